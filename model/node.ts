/**
 * Per-node state of the background threads (struct pglist_data): kswapd's pending request and
 * failure count, kcompactd's pending order, and whether each is asleep. One node.
 */

export interface KswapdState {
  /** Waiting on kswapd_wait: a wakeup_kswapd() can wake it. */
  readonly sleeping: boolean;
  /** pgdat->kswapd_order: the highest order asked for since it last ran. */
  readonly order: number;
  /** pgdat->kswapd_failures: balance_pgdat() runs that reclaimed nothing; 16 make the node hopeless. */
  readonly failures: number;
}

export interface KcompactdState {
  readonly sleeping: boolean;
  /** pgdat->kcompactd_max_order */
  readonly maxOrder: number;
}

export interface NodeState {
  readonly kswapd: KswapdState;
  readonly kcompactd: KcompactdState;
}

export const IDLE_NODE: NodeState = Object.freeze({
  kswapd: Object.freeze({ sleeping: true, order: 0, failures: 0 }),
  kcompactd: Object.freeze({ sleeping: true, maxOrder: 0 }),
});

/** The CPU the node's kernel threads run on; their frees go to its pcp lists. */
export const KTHREAD_CPU = 0;
