import type { historyCommands } from '../../common/contracts/history';
import { appError } from '../../common/errors';
import type { Handlers } from '../router';
import type { HistoryService } from './service';

const notYet = (command: string) => () =>
  Promise.reject(appError('INTERNAL', `${command} is not implemented yet.`, { hint: 'Work in progress (issue 9).' }));

export function historyHandlers(history: HistoryService): Pick<Handlers, keyof typeof historyCommands> {
  return {
    'history.list': (input) => Promise.resolve(history.list(input)),
    'history.get': (input) => Promise.resolve(history.get(input.buildId)),
    'history.delete': (input) => Promise.resolve(history.delete(input.buildId)),
    'history.rerun': (input) => history.rerun(input.buildId, input.secrets),
    'history.capabilities': notYet('history.capabilities'),
    'history.records': notYet('history.records'),
    'history.watch': notYet('history.watch'),
    'history.details': notYet('history.details'),
    'history.logs': notYet('history.logs'),
    'history.runs': notYet('history.runs'),
    'history.why': notYet('history.why'),
    'history.attach': notYet('history.attach'),
    'history.detach': notYet('history.detach'),
    'history.export': notYet('history.export'),
    'history.open': notYet('history.open'),
    'history.close': notYet('history.close'),
    'history.remove': notYet('history.remove'),
  };
}
