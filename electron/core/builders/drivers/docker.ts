import type { BuilderDriver } from './driver';

/**
 * docker: the builder every Docker context has, embedded in the Engine. BuildDeck cannot create,
 * stop or remove it and buildx reports all there is about it, so it adds nothing: an object with no
 * hooks (drivers this version does not know are treated the same way).
 */
export const dockerDriver: BuilderDriver = { name: 'docker' };
