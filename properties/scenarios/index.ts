/** The named scenarios `compare`, `validate` and `npm start` know. */

import { forkingServerScenario } from "./forking-server-checkpoint.js";
import type { Scenario } from "./scenario.js";

export const SCENARIOS: readonly Scenario[] = [forkingServerScenario()];

export function scenarioById(id: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.id === id);
}
