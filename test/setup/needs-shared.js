/**
 * Which test files need ../shared (the developers' fixtures, real NIfTI data and reference runner),
 * found by reading the tests: a file needs it when it, or a test module it imports, names a path
 * into shared/. A newcomer's clone has no ../shared: `npm test` then runs every other test and says
 * which files it left out and why. CI (CI=true) always has ../shared and never leaves a file out.
 */
const fs = require('fs');
const path = require('path');

const NAMES_SHARED = /shared\/(fixtures|data|reference|spec)\b|['"]shared['"]\s*[,)]/;
const RELATIVE_IMPORT = /(?:from\s+|require\(\s*|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function testFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(full);
    return /\.(ts|js)$/.test(e.name) ? [full] : [];
  });
}

function resolveModule(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.js`, path.join(base, 'index.ts')])
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  return null;
}

/** Test files (absolute paths) that need ../shared, directly or through a test module they import. */
function filesNeedingShared(testRoot) {
  const files = testFiles(testRoot);
  const memo = new Map();
  const needs = (file, seen) => {
    if (memo.has(file)) return memo.get(file);
    if (seen.has(file)) return false;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    let result = NAMES_SHARED.test(text);
    for (const m of text.matchAll(RELATIVE_IMPORT)) {
      if (result) break;
      const target = resolveModule(file, m[1]);
      if (target && target.startsWith(testRoot)) result = needs(target, seen);
    }
    memo.set(file, result);
    return result;
  };
  return files.filter(f => /\.test\.ts$/.test(f) && needs(f, new Set()));
}

module.exports = { filesNeedingShared };
