#!/usr/bin/env node
/**
 * Builds the optional native image kernels (native/bmse_image.c -> native/build/bmse_image.node): JPEG decoding
 * with the system libjpeg-turbo (the decoder Pillow uses), Pillow's 8-bit resampling, the fused age transform and
 * the order-2 spline rotation. Needs a C compiler, Node's headers and libjpeg-turbo's headers (Debian/Ubuntu:
 * apt install libjpeg-dev). Never fails the install: without them sharp decodes and JS does the rest (the same
 * pixels, more slowly).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAddon } from '@bmse/backend/build-addon';

buildAddon({
  pkg: '@bmse/datasets',
  pkgDir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
  name: 'bmse_image',
  what: 'native image kernels',
  fallback: 'sharp decodes and JS resamples instead',
  libs: ['-ljpeg'],
  // the resampling and rotation arithmetic must be the same doubles as the JS reference (no fused multiply-add)
  cflags: ['-ffp-contract=off'],
  missing: { pattern: /jpeglib\.h|ljpeg/, hint: 'install libjpeg-turbo: apt install libjpeg-dev' },
  built: '(libjpeg-turbo)',
});
