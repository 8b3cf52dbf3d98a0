import type { historyCommands } from '../../common/contracts/history';
import type { Handlers } from '../router';
import type { HistoryService } from './service';

export function historyHandlers(history: HistoryService): Pick<Handlers, keyof typeof historyCommands> {
  return {
    'history.list': (input) => Promise.resolve(history.list(input)),
    'history.get': (input) => Promise.resolve(history.get(input.buildId)),
    'history.delete': (input) => Promise.resolve(history.delete(input.buildId)),
    'history.rerun': (input) => history.rerun(input.buildId, input.secrets),
  };
}
