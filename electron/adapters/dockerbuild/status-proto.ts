import protobuf from 'protobufjs';

/**
 * The few protobuf messages a `.dockerbuild` needs, transcribed from moby/buildkit
 * (api/services/control/control.proto: StatusResponse, Vertex, VertexStatus, VertexLog,
 * VertexWarning; solver/pb/ops.proto: SourceInfo, Range, Position; solver/errdefs/errdefs.proto:
 * Source, Vertex) and google/rpc/status.proto + google/protobuf/{any,timestamp}.proto.
 * Field numbers are the wire format: never renumber. Unknown fields are skipped by protobufjs.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    Timestamp: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
    ProgressGroup: {
      fields: { id: { type: 'string', id: 1 }, name: { type: 'string', id: 2 }, weak: { type: 'bool', id: 3 } },
    },
    Vertex: {
      fields: {
        digest: { type: 'string', id: 1 },
        inputs: { rule: 'repeated', type: 'string', id: 2 },
        name: { type: 'string', id: 3 },
        cached: { type: 'bool', id: 4 },
        started: { type: 'Timestamp', id: 5 },
        completed: { type: 'Timestamp', id: 6 },
        error: { type: 'string', id: 7 },
        progressGroup: { type: 'ProgressGroup', id: 8 },
      },
    },
    VertexStatus: {
      fields: {
        ID: { type: 'string', id: 1 },
        vertex: { type: 'string', id: 2 },
        name: { type: 'string', id: 3 },
        current: { type: 'int64', id: 4 },
        total: { type: 'int64', id: 5 },
        timestamp: { type: 'Timestamp', id: 6 },
        started: { type: 'Timestamp', id: 7 },
        completed: { type: 'Timestamp', id: 8 },
      },
    },
    VertexLog: {
      fields: {
        vertex: { type: 'string', id: 1 },
        timestamp: { type: 'Timestamp', id: 2 },
        stream: { type: 'int64', id: 3 },
        msg: { type: 'bytes', id: 4 },
      },
    },
    Position: { fields: { line: { type: 'int32', id: 1 }, character: { type: 'int32', id: 2 } } },
    Range: { fields: { start: { type: 'Position', id: 1 }, end: { type: 'Position', id: 2 } } },
    SourceInfo: {
      fields: {
        filename: { type: 'string', id: 1 },
        data: { type: 'bytes', id: 2 },
        language: { type: 'string', id: 4 },
      },
    },
    VertexWarning: {
      fields: {
        vertex: { type: 'string', id: 1 },
        level: { type: 'int64', id: 2 },
        short: { type: 'bytes', id: 3 },
        detail: { rule: 'repeated', type: 'bytes', id: 4 },
        url: { type: 'string', id: 5 },
        info: { type: 'SourceInfo', id: 6 },
        ranges: { rule: 'repeated', type: 'Range', id: 7 },
      },
    },
    StatusResponse: {
      fields: {
        vertexes: { rule: 'repeated', type: 'Vertex', id: 1 },
        statuses: { rule: 'repeated', type: 'VertexStatus', id: 2 },
        logs: { rule: 'repeated', type: 'VertexLog', id: 3 },
        warnings: { rule: 'repeated', type: 'VertexWarning', id: 4 },
      },
    },
    Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
    RpcStatus: {
      fields: {
        code: { type: 'int32', id: 1 },
        message: { type: 'string', id: 2 },
        details: { rule: 'repeated', type: 'Any', id: 3 },
      },
    },
    ErrSource: {
      fields: { info: { type: 'SourceInfo', id: 1 }, ranges: { rule: 'repeated', type: 'Range', id: 2 } },
    },
    ErrVertex: { fields: { digest: { type: 'string', id: 1 } } },
  },
});

export interface PbTimestamp {
  seconds?: number;
  nanos?: number;
}
export interface PbVertex {
  digest?: string;
  inputs?: string[];
  name?: string;
  cached?: boolean;
  started?: PbTimestamp;
  completed?: PbTimestamp;
  error?: string;
}
export interface PbVertexStatus {
  ID?: string;
  vertex?: string;
  name?: string;
  current?: number;
  total?: number;
  timestamp?: PbTimestamp;
  started?: PbTimestamp;
  completed?: PbTimestamp;
}
export interface PbVertexLog {
  vertex?: string;
  timestamp?: PbTimestamp;
  stream?: number;
  msg?: Uint8Array;
}
export interface PbRange {
  start?: { line?: number };
  end?: { line?: number };
}
export interface PbSourceInfo {
  filename?: string;
  data?: Uint8Array;
}
export interface PbVertexWarning {
  vertex?: string;
  level?: number;
  short?: Uint8Array;
  detail?: Uint8Array[];
  url?: string;
  info?: PbSourceInfo;
  ranges?: PbRange[];
}
export interface PbStatusResponse {
  vertexes?: PbVertex[];
  statuses?: PbVertexStatus[];
  logs?: PbVertexLog[];
  warnings?: PbVertexWarning[];
}
export interface PbRpcStatus {
  code?: number;
  message?: string;
  details?: { type_url?: string; value?: Uint8Array }[];
}

// int64 as plain numbers (timestamps and byte counts fit in 2^53); arrays always present.
const toObjectOptions: protobuf.IConversionOptions = { longs: Number, arrays: true };

/** Decodes one message; the caller's type names what the schema above promises for it. */
function decode(name: string, bytes: Uint8Array): unknown {
  const type = root.lookupType(name);
  return type.toObject(type.decode(bytes), toObjectOptions);
}

export const decodeStatusResponse = (b: Uint8Array) => decode('StatusResponse', b) as PbStatusResponse;
export const decodeRpcStatus = (b: Uint8Array) => decode('RpcStatus', b) as PbRpcStatus;
export const decodeErrSource = (b: Uint8Array) => decode('ErrSource', b) as { info?: PbSourceInfo; ranges?: PbRange[] };
export const decodeErrVertex = (b: Uint8Array) => decode('ErrVertex', b) as { digest?: string };
