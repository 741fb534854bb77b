import express from 'express';
import type { Net3Credentials } from '../../config.js';
import { readAndRecordRequests, serveEmulator, type RecordedCall, type RunningEmulator } from '../emulator-server.js';

/** SKELETON: to be written. */
export interface Net3EmulatorOptions {
  /** The API key (Bearer) or user and password (Basic) the emulator accepts; when undefined any is accepted. @default undefined */
  credentials?: Net3Credentials;
}

export function createNet3Emulator(options: Net3EmulatorOptions & { calls?: RecordedCall[] } = {}): express.Express {
  const app = express();
  app.use(readAndRecordRequests(options.calls));
  return app;
}

export async function startNet3Emulator(
  options: Net3EmulatorOptions & { port?: number; host?: string } = {},
): Promise<RunningEmulator> {
  const { port, host, ...emulatorOptions } = options;
  const calls: RecordedCall[] = [];
  return serveEmulator(createNet3Emulator({ ...emulatorOptions, calls }), calls, { port, host });
}
