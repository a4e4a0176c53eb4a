import { LeastRequestBalancer, MaglevBalancer, PriorityBalancer, RandomBalancer, RingHashBalancer, RoundRobinBalancer } from '../src/index.js';
import { runBalancerConformance } from '../src/testing/index.js';

runBalancerConformance('RoundRobinBalancer', (eps, ctx) => new RoundRobinBalancer(eps, ctx), { weightTolerance: 0.01 });
runBalancerConformance('RandomBalancer', (eps, ctx) => new RandomBalancer(eps, ctx), { weightTolerance: 0.05 });
runBalancerConformance('LeastRequestBalancer', (eps, ctx) => new LeastRequestBalancer(eps, ctx), { weightTolerance: 0.05 });
runBalancerConformance('RingHashBalancer', (eps, ctx) => new RingHashBalancer(eps, ctx), { weightTolerance: 0.15, consistentHashing: true });
runBalancerConformance('MaglevBalancer', (eps, ctx) => new MaglevBalancer(eps, ctx), { weightTolerance: 0.05, consistentHashing: true });
// The conformance suite's "healthy members only" rules are the no-panic behaviour; panic has its own tests.
runBalancerConformance('PriorityBalancer over round robin', (eps, ctx) => new PriorityBalancer(eps, ctx, { panicThresholdPercent: 0 }), {
  weightTolerance: 0.01,
});
runBalancerConformance(
  'PriorityBalancer over Maglev',
  (eps, ctx) => new PriorityBalancer(eps, ctx, { panicThresholdPercent: 0, makeBalancer: (group, c) => new MaglevBalancer(group, c) }),
  { weightTolerance: 0.05, consistentHashing: true },
);
