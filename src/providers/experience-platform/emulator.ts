import express from 'express';
import { readAndRecordRequests, serveEmulator, type RecordedCall, type RunningEmulator } from '../emulator-server.js';

/** SKELETON: to be written. */
export interface ExperiencePlatformEmulatorOptions {
  /** The `Authorization` value the emulator accepts; when undefined any non-empty value is accepted. @default undefined */
  token?: string;
  /** The `x-gw-ims-authorization` value the emulator accepts; when undefined any non-empty value is accepted. @default undefined */
  imsAuthorization?: string;
}

export function createExperiencePlatformEmulator(options: ExperiencePlatformEmulatorOptions & { calls?: RecordedCall[] } = {}): express.Express {
  const app = express();
  app.use(readAndRecordRequests(options.calls));
  return app;
}

export async function startExperiencePlatformEmulator(
  options: ExperiencePlatformEmulatorOptions & { port?: number; host?: string } = {},
): Promise<RunningEmulator> {
  const { port, host, ...emulatorOptions } = options;
  const calls: RecordedCall[] = [];
  return serveEmulator(createExperiencePlatformEmulator({ ...emulatorOptions, calls }), calls, { port, host });
}
