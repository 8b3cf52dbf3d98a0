import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { metadataFields } from '../../electron/core/builds/metadata';
import { summarizeBuild, reduceBuildEvents, createBuildSnapshot } from '../../electron/common/progress';

describe('what a build keeps from buildx metadata file', () => {
  it('the image ID is the config digest, kept apart from the image digest (they differ off the docker driver)', () => {
    // Recorded from buildx 0.29 on the docker driver: there the two are the same.
    const recorded = JSON.parse(
      readFileSync('test/fixtures/rawjson/single-success-0.29.1.meta.json', 'utf8'),
    ) as Record<string, unknown>;
    expect(metadataFields(recorded)).toMatchObject({
      digest: 'sha256:6f2e6b98a556553c5a9eac1e487ed71d6e1bce506a0707341dccf856d73969d4',
      imageId: 'sha256:6f2e6b98a556553c5a9eac1e487ed71d6e1bce506a0707341dccf856d73969d4',
      imageName: 'docker.io/library/bdrec-w4rxy9:single',
      ref: 'default/default/2kqd3ch4ww00gt2rg72uit7dl',
    });
    // A docker-container builder's --load: the manifest's digest and the config's are not the same.
    const loaded = metadataFields({
      'containerimage.digest': `sha256:${'a'.repeat(64)}`,
      'containerimage.config.digest': `sha256:${'b'.repeat(64)}`,
    });
    const s = reduceBuildEvents(createBuildSnapshot('b1'), [
      { type: 'finished', at: 10, ok: true, cancelled: false, exitCode: 0, ...loaded },
    ]);
    expect(summarizeBuild(s)).toMatchObject({
      digest: `sha256:${'a'.repeat(64)}`,
      imageId: `sha256:${'b'.repeat(64)}`,
    });
    // No config digest (an exporter without an image): no image ID, the summary says nothing of one.
    expect(
      summarizeBuild(
        reduceBuildEvents(createBuildSnapshot('b2'), [
          { type: 'finished', at: 10, ok: true, cancelled: false, exitCode: 0 },
        ]),
      ),
    ).not.toHaveProperty('imageId');
  });
});
