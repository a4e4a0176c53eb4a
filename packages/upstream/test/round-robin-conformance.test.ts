import { RoundRobinBalancer } from '../src/index.js';
import { runBalancerConformance } from '../src/testing/index.js';

runBalancerConformance('RoundRobinBalancer', (endpoints) => new RoundRobinBalancer(endpoints), { weightTolerance: 0.01 });
