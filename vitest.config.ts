/** Tests of the root scripts (tables, plots, …); packages have their own vitest.config.ts. */
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from './vitest.shared.js';

export default mergeConfig(shared, defineConfig({ test: { include: ['scripts/**/*.test.ts'] } }));
