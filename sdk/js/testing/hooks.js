// Module resolution hooks for `node --test` (registered by host.js): the
// `berth:plugin/{interface}@{version}` imports berth.js makes resolve to
// the fakes in imports/, which the tests program through `host`.

/** Resolves `berth:plugin/*` to imports/{interface}.js; anything else as usual. */
export async function resolve(specifier, context, nextResolve) {
  const match = /^berth:plugin\/([a-z-]+)@/.exec(specifier);
  if (match === null) {
    return nextResolve(specifier, context);
  }
  return { url: new URL(`./imports/${match[1]}.js`, import.meta.url).href, shortCircuit: true };
}
