import { describe, expect, it } from 'vitest';
import { namedContext } from '../../electron/common/contracts/builds';
import {
  baseName,
  isAbsolutePath,
  isWindowsPath,
  joinPath,
  trimTrailingSeparators,
} from '../../electron/common/validation';

// The one "trim trailing slashes" rule core and renderer share: a folder typed with or without its
// last separator names the same folder, and joining a file name adds exactly one separator.
describe('path helpers', () => {
  it('drops every trailing separator, POSIX or Windows, and nothing else', () => {
    expect(trimTrailingSeparators('/home/me/ctx///')).toBe('/home/me/ctx');
    expect(trimTrailingSeparators('C:\\work\\ctx\\')).toBe('C:\\work\\ctx');
    expect(trimTrailingSeparators('/home/me/ctx')).toBe('/home/me/ctx');
    expect(trimTrailingSeparators('/')).toBe('');
  });

  it('joins a folder and a name with exactly one separator', () => {
    expect(joinPath('/ctx/', 'Dockerfile')).toBe('/ctx/Dockerfile');
    expect(joinPath('/ctx', 'Dockerfile')).toBe('/ctx/Dockerfile');
    expect(joinPath('/', 'Dockerfile')).toBe('/Dockerfile');
    expect(joinPath('C:\\ctx\\', 'Dockerfile')).toBe('C:\\ctx/Dockerfile');
  });

  it('names a folder by its last segment, as History and the build views title a build', () => {
    expect(baseName('/home/me/app/')).toBe('app');
    expect(baseName('C:\\work\\app')).toBe('app');
    expect(baseName('app')).toBe('app');
    expect(baseName('/')).toBe('');
  });

  it('tells a Windows path (drive or UNC share) from the rest, as the core joins it', () => {
    expect(['C:\\src', 'c:/src', '\\\\host\\share'].map(isWindowsPath)).toEqual([true, true, true]);
    expect(['/src', 'src', 'C:src', '\\src', 'docker-image://x'].map(isWindowsPath)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it("takes a named context's folder by the same absolute-path rule as every path field", () => {
    for (const folder of ['/src', 'C:\\src', 'c:/src', '\\\\host\\share\\src', 'src', './src', '~/src']) {
      expect(namedContext.safeParse(folder).success, folder).toBe(isAbsolutePath(folder));
    }
  });
});
