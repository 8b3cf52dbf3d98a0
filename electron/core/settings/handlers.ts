import type { settingsCommands } from '../../common/contracts/settings';
import type { Handlers } from '../router';
import type { SettingsService } from './service';

export function settingsHandlers(settings: SettingsService): Pick<Handlers, keyof typeof settingsCommands> {
  const view = () => ({ settings: settings.get(), path: settings.path });
  return {
    'settings.get': () => Promise.resolve(view()),
    'settings.update': async (input) => {
      await settings.update(input.patch);
      return view();
    },
    'settings.reset': async () => {
      await settings.reset();
      return view();
    },
  };
}
