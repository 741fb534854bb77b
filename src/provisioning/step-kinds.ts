import { customerStep, providerInstanceStep } from '../providers/cloudcockpit/steps.js';
import { experiencePlatformCallStep, experiencePlatformStep } from '../providers/experience-platform/steps.js';
import { net3CallStep, net3Step } from '../providers/net3/steps.js';
import { wholesaleCallStep, wholesaleStep } from '../providers/webex/steps.js';
import type { StepKind } from './step-kind.js';

/**
 * Every kind of step, by the name the ledger records it under: the fan-out's steps (`providerInstance:<id>` is one
 * step per instance), and the single-call mutations' one step each.
 */
const STEP_KINDS = {
  customer: customerStep,
  providerInstance: providerInstanceStep,
  experiencePlatform: experiencePlatformStep,
  net3: net3Step,
  wholesale: wholesaleStep,
  provisionExperiencePlatform: experiencePlatformCallStep,
  provisionNet3Customer: net3CallStep,
  provisionWholesaleCustomer: wholesaleCallStep,
};

export type StepKindName = keyof typeof STEP_KINDS;

const isStepKindName = (name: string): name is StepKindName => Object.hasOwn(STEP_KINDS, name);

/** The kind of a ledger step, by its name; it takes the input its plan recorded for it. */
export function stepKindOf(step: string): StepKind<unknown> {
  const name = step.startsWith('providerInstance:') ? 'providerInstance' : step;
  if (!isStepKindName(name)) throw new Error(`unknown provisioning step ${step}`);
  return STEP_KINDS[name];
}
