import type { Scenario } from '../lib/types';
import { appendScenario } from './append';
import { appendProfileScenario } from './append-profile';
import { apiCommandsScenario } from './api-commands';
import { liveLatencyScenario } from './live-latency';
import { sagaThroughputScenario } from './saga-throughput';
import { projectionRebuildScenario } from './projection-rebuild';
import { dashboardQueriesScenario } from './dashboard-queries';
import { gcPromotionScenario } from './gc-promotion';

/**
 * Every scenario `npm run bench` knows, in the order a full run takes them. A scenario is one
 * file in this folder exporting { name, description, run(ctx) }; add it here.
 */
export const scenarios: readonly Scenario[] = [
  appendScenario,
  appendProfileScenario,
  apiCommandsScenario,
  liveLatencyScenario,
  sagaThroughputScenario,
  projectionRebuildScenario,
  dashboardQueriesScenario,
  gcPromotionScenario,
];
