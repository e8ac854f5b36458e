import { sagaProgressProjection } from '../fulfilment/progress-projection';
import { dashboardStatsProjection } from './dashboard-stats';
import { inventoryLevelsProjection } from './inventory-levels';
import { orderDetailsProjection } from './order-details';
import { orderSummariesProjection } from './order-summaries';
import type { InlineProjection } from '../event-store/stream-writer';
import type { Projection } from './projection';

/** Run inside every append: their rows are current the moment a command returns. */
export const inlineProjections: readonly (Projection & InlineProjection)[] = [
  orderSummariesProjection,
  orderDetailsProjection,
  sagaProgressProjection,
];

/** Followed by the daemon from their checkpoints. */
export const asyncProjections: readonly Projection[] = [inventoryLevelsProjection, dashboardStatsProjection];

export const allProjections: readonly Projection[] = [...inlineProjections, ...asyncProjections];
