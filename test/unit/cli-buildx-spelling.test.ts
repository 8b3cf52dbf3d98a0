import { describe, expect, it } from 'vitest';
import {
  driverOptFields,
  driverOptFlags,
  generatedBuilderName,
  UsageError,
} from '../../electron/cli/builders-create-flags';
import { pruneFilterFlags } from '../../electron/cli/cache';

describe("buildx's spelling of create and prune options, read as BuildDeck's flags", () => {
  it('splits --driver-opt as buildx does: commas, and a quoted field may hold them', () => {
    expect(driverOptFields('image=x,network=host')).toEqual(['image=x', 'network=host']);
    expect(driverOptFields('"nodeselector=a=b,c=d",replicas=2')).toEqual(['nodeselector=a=b,c=d', 'replicas=2']);
    expect(driverOptFields('"env.X=say ""hi"""')).toEqual(['env.X=say "hi"']);
    expect(() => driverOptFields('"image=x')).toThrow(UsageError);
  });

  it('maps each buildx key onto its flag; a flag given by name wins; unknown keys are named', () => {
    expect(
      driverOptFlags(
        ['image=img,network=host', 'env.A=1', 'env.B=2', '"nodeselector=a=b,c=d"', 'rootless=false', 'qemu.install'],
        { network: 'bridge' },
      ),
    ).toEqual({
      image: 'img',
      network: 'bridge',
      env: ['A=1', 'B=2'],
      'node-selector': ['a=b', 'c=d'],
      rootless: false,
      'qemu-install': true,
    });
    // A toleration holds commas: buildx needs the field quoted, as here.
    expect(driverOptFlags(['"tolerations=key=a,operator=Exists;key=b"'], {})).toEqual({
      toleration: ['key=a,operator=Exists', 'key=b'],
    });
    expect(() => driverOptFlags(['imgae=x'], {})).toThrow(/--driver-opt imgae: not a driver option/);
    expect(() => driverOptFlags(['rootless=maybe'], {})).toThrow(/give true or false/);
    expect(generatedBuilderName(() => 0)).toBe('builder-aaaaaa');
  });

  it('reads prune --filter until=, type= (repeatable) and description=; refuses the rest by name', () => {
    expect(pruneFilterFlags(['until=24h', 'type=regular', 'type=source.local', 'description~=apt'])).toEqual({
      until: '24h',
      type: ['regular', 'source.local'],
      description: 'apt',
    });
    for (const bad of ['inuse', 'id=abc', 'shared=true', 'until>1h'])
      expect(() => pruneFilterFlags([bad]), bad).toThrow(/not supported/);
    // description= is BuildKit's exact match: refused rather than widened to "contains".
    expect(() => pruneFilterFlags(['description=apt'])).toThrow(/write description~=apt/);
    expect(() => pruneFilterFlags(['until=1h', 'until=2h'])).toThrow(/until is given twice/);
  });
});
