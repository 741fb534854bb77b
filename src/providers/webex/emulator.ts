import express from 'express';
import { readAndRecordRequests, serveEmulator, type RecordedCall, type RunningEmulator } from '../emulator-server.js';

/** SKELETON: to be written. */
export interface WebexEmulatorOptions {
  /** The Bearer token the emulator accepts; when undefined any non-empty token is accepted. @default undefined */
  token?: string;
  /** How long a new customer stays `provisioning` before it turns `provisioned`. @default 0 */
  provisioningDelayMs?: number;
}

export function createWebexEmulator(options: WebexEmulatorOptions & { calls?: RecordedCall[] } = {}): express.Express {
  const app = express();
  app.use(readAndRecordRequests(options.calls));
  return app;
}

export async function startWebexEmulator(
  options: WebexEmulatorOptions & { port?: number; host?: string } = {},
): Promise<RunningEmulator> {
  const { port, host, ...emulatorOptions } = options;
  const calls: RecordedCall[] = [];
  return serveEmulator(createWebexEmulator({ ...emulatorOptions, calls }), calls, { port, host });
}
