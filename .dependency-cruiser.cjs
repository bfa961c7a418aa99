/**
 * The fence (issue 9): which room may import which. `npm run lint` runs it, so `npm test` does.
 * Layers, from the inside out: domain + rules (pure) ← ports ← observability ← app ← adapters / http ←
 * composition ← triggers ← handlers ← local (the local host: the runtime that runs the handlers on one
 * machine) ← cli ← bin. An arrow may only point inwards.
 */
const AWS = '^(@aws-sdk|aws-cdk-lib|constructs|@aws-lambda-powertools|@middy|aws-lambda)(/|$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Files that import each other in a loop cannot be understood (or tested) one at a time.',
      from: { path: '^(functions|lib|bin)/' },
      to: { circular: true },
    },
    {
      name: 'pure-core-no-aws',
      severity: 'error',
      comment: 'The domain and the rules are pure: no AWS, Lambda or CDK packages.',
      from: { path: '^functions/(domain|rules)/' },
      to: { path: AWS },
    },
    {
      name: 'pure-core-no-node-io',
      severity: 'error',
      comment: 'The domain and the rules do no I/O: what they need comes in as an argument.',
      from: { path: '^functions/(domain|rules)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'pure-core-inward-only',
      severity: 'error',
      comment: 'The domain and the rules depend on nothing outside themselves.',
      from: { path: '^functions/(domain|rules)/' },
      to: { path: '^(functions/(?!domain/|rules/)|lib/|bin/)' },
    },
    {
      name: 'ports-are-interfaces',
      severity: 'error',
      comment: 'Ports name what the core needs; they import the domain and nothing outward.',
      from: { path: '^functions/ports/' },
      to: {
        path: '^(functions/(app|adapters|handlers|http|composition|observability|local|cli)/|lib/|bin/)',
      },
    },
    {
      name: 'app-no-edges',
      severity: 'error',
      comment: 'Use cases talk to the world through ports only: no adapters, handlers, HTTP, wiring or AWS.',
      from: { path: '^functions/app/' },
      to: { path: '^(functions/(adapters|handlers|http|composition|local|cli)/|lib/|bin/)' },
    },
    {
      name: 'app-no-aws',
      severity: 'error',
      comment: 'Use cases do not know AWS; adapters do.',
      from: { path: '^functions/app/' },
      to: { path: AWS },
    },
    {
      name: 'handlers-through-composition',
      severity: 'error',
      comment: 'A handler reaches adapters and configuration only through the composition root.',
      from: { path: '^functions/handlers/' },
      to: { path: '^(functions/adapters/|lib/)' },
    },
    {
      name: 'adapters-not-up',
      severity: 'error',
      comment:
        'Adapters implement ports; they never call handlers, the CLI, the composition root or the local host.',
      from: { path: '^functions/adapters/' },
      to: { path: '^functions/(handlers|cli|composition|local)/' },
    },
    {
      name: 'observability-below-edges',
      severity: 'error',
      comment:
        'Observability (logger, metrics, the installed tracer) is used by the use cases and everything above ' +
        'them, so it imports none of them: no app, adapters, HTTP, wiring, handlers or hosts.',
      from: { path: '^functions/observability/' },
      to: {
        path: '^(functions/(app|adapters|handlers|http|composition|triggers|local|cli)/|lib/|bin/)',
      },
    },
    {
      name: 'local-host-on-top',
      severity: 'error',
      comment:
        'The local host (functions/local: the runtime that composes and runs the handlers on one machine) ' +
        'is started by the CLI and bin only; nothing it runs imports it back.',
      from: { path: '^functions/(?!local/|cli/)' },
      to: { path: '^functions/local/' },
    },
    {
      name: 'wiring-read-by-roots',
      severity: 'error',
      comment:
        'The wiring table (environment names, function specs) is read by CDK and the composition roots ' +
        '(Lambda, the local host, CLI); adapters take plain config. The table layout keeps TABLE, the one key shape.',
      from: {
        path: '^(functions|lib|bin)/',
        pathNot: '^(lib/|bin/|functions/(composition|local|cli)/|functions/adapters/dynamodb/table-layout/)',
      },
      to: { path: '^lib/wiring(-money)?\\.ts$' },
    },
    {
      name: 'runtime-not-into-tests',
      severity: 'error',
      comment: 'Shipped code never imports test code.',
      from: { path: '^(functions|lib|bin)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
