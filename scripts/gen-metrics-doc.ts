// Renders docs/metrics.md from the metric catalogue: node --import tsx scripts/gen-metrics-doc.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderMetricsDoc } from '../shared/metrics/catalogue-doc.js';

const target = fileURLToPath(new URL('../docs/metrics.md', import.meta.url));
writeFileSync(target, renderMetricsDoc());
console.log(`wrote ${target}`);
