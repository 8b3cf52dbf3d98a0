// FAKE electron: the resolve hook behind register.mjs. Only the bare specifier `electron` is redirected;
// the rest of the chain (tsx) still resolves and loads the TypeScript file it points to.
const fake = new URL('./index.ts', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier === 'electron' ? fake : specifier, context);
}
