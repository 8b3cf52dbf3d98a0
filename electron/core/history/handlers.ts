import type { historyCommands } from '../../common/contracts/history';
import type { Handlers } from '../router';
import type { RecordsService } from './records';
import type { HistoryService } from './service';

export function historyHandlers(
  history: HistoryService,
  records: RecordsService,
): Pick<Handlers, keyof typeof historyCommands> {
  return {
    'history.list': (input) => Promise.resolve(history.list(input)),
    'history.get': (input) => Promise.resolve(history.get(input.buildId)),
    'history.delete': (input) => Promise.resolve(history.delete(input.buildId)),
    'history.rerun': (input) => history.rerun(input.buildId, input.secrets),
    'history.capabilities': () => records.capabilities(),
    'history.records': (input) => records.records(input),
    'history.watch': (input) => Promise.resolve(records.watch(input.seconds)),
    'history.details': (input) => records.details(input.id, input.builder),
    'history.logs': (input) => records.logs(input.id, input.builder, input.step, input.limit),
    'history.runs': (input) => records.runs(input.id, input.builder, input.limit),
    'history.why': (input) => records.why(input.id, input.against, input.builder),
    'history.attach': (input) => records.attach(input.id, input.builder),
    'history.streamLogs': (input) =>
      Promise.resolve(records.streamLogs(input.streamId, input.from, input.limit, input.step)),
    'history.detach': (input) => Promise.resolve(records.detach(input.streamId)),
    'history.export': (input) => records.export(input.id, input.builder, input.dest, input.overwrite),
    'history.open': (input) => records.open(input.path),
    'history.close': (input) => Promise.resolve(records.close(input.id)),
    'history.remove': (input) => records.remove(input.ids, input.from),
  };
}
