/* Generated from schemas/runtime-results.schema.json by scripts/gen_runtime_types.mjs
 * (json-schema-to-typescript); the schema is generated from server/reml_lsp/contract/results.py.
 * Do not edit: change the attrs classes, then run
 *   .venv/bin/python scripts/gen_runtime_schema.py && node scripts/gen_runtime_types.mjs */

/**
 * The JSON that `reml-run … --format json` prints for the runtime commands, and the summary the language server sends for them. Generated from server/reml_lsp/contract/results.py: do not edit.
 */
export type RuntimeResults =
  | DiffDocument
  | ReloadDocument
  | GpuLaunchDocument
  | GpuKernelsDocument
  | InstrumentCommandDocument
  | TelemetryDocument
  | RegmapApplyDocument
  | ErrorDocument
  | RuntimeCommandSummary;

/**
 * `reml-run diff OLD NEW`: the diff document (docs/runtime-config.md) that `reml-run reload` reads back.
 */
export interface DiffDocument {
  command: 'diff';
  status: 'changed' | 'unchanged' | 'applied' | 'error';
  /**
   * the diff operation's id
   */
  audit_id: string;
  /**
   * OLD: path, format, digest
   */
  base: {
    [k: string]: unknown;
  };
  /**
   * NEW: path, format, digest
   */
  target: {
    [k: string]: unknown;
  };
  /**
   * summary of --schema
   */
  schema: {
    [k: string]: unknown;
  } | null;
  /**
   * summary of --target-schema
   */
  target_schema: {
    [k: string]: unknown;
  } | null;
  /**
   * added, removed, updated, total
   */
  summary: {
    [k: string]: number;
  };
  /**
   * the change set (items: kind, key, previous, current)
   */
  change_set: {
    [k: string]: unknown;
  };
  schema_diff: {
    [k: string]: unknown;
  };
  /**
   * dangerous changes: key, reason, message
   */
  dangerous: {
    [k: string]: unknown;
  }[];
  restart_required: string[];
  validation: ValidationReport;
  audited: boolean;
  /**
   * with --apply: path, format, rollback
   */
  applied: {
    [k: string]: unknown;
  } | null;
  error?: ErrorInfo;
  exit_code: ExitCodeInfo;
  /**
   * the reml-run child's process id, added by the language server
   */
  pid?: number;
}
/**
 * Schema validation issues of the two configs (`{code, key, message, severity, …}`).
 */
export interface ValidationReport {
  base: {
    [k: string]: unknown;
  }[];
  target: {
    [k: string]: unknown;
  }[];
}
/**
 * A failure: a stable dotted `code`, a message, the operation's `audit_id` when one was recorded, and details that depend on the code (`path`, `issues`, `problems`, …).
 */
export interface ErrorInfo {
  /**
   * stable dotted code, e.g. config.diff.stale
   */
  code: string;
  /**
   * one line for a person
   */
  message: string;
  /**
   * the audited operation that failed
   */
  audit_id?: string;
  [k: string]: unknown;
}
/**
 * The exit code of the command, with its label from the one exit-code table.
 */
export interface ExitCodeInfo {
  /**
   * success, failure, warning, usage, io, rejected, unavailable, …
   */
  label: string;
  /**
   * the process exit status
   */
  value: number;
}
/**
 * `reml-run reload STATE DIFF` and `reml-run reload STATE --rollback`: every outcome has a `result`, so `jq '.result | {status, audit_id}'` works whatever happened.
 */
export interface ReloadDocument {
  command: 'reload';
  status: 'ok' | 'error';
  result: ReloadResult;
  error?: ErrorInfo;
  exit_code: ExitCodeInfo;
  /**
   * the reml-run child's process id, added by the language server
   */
  pid?: number;
}
/**
 * The outcome of a reload or rollback (`runtime/reload.py:ReloadOutcome`).
 */
export interface ReloadResult {
  status: 'applied' | 'dry-run' | 'rejected' | 'failed' | 'rolled-back';
  /**
   * the reload operation's id (null if nothing was found)
   */
  audit_id: string | null;
  /**
   * config issues or the refusal
   */
  errors: {
    [k: string]: unknown;
  }[];
  change_set: {
    [k: string]: unknown;
  } | null;
  dangerous: {
    [k: string]: unknown;
  }[];
  restart_required: string[];
  version_before: number | null;
  version_after: number | null;
  /**
   * a failure after the write was undone
   */
  rolled_back: boolean;
  /**
   * the RollbackInfo saved/restored
   */
  rollback: {
    [k: string]: unknown;
  } | null;
  /**
   * the applied diff document's own id
   */
  diff_audit_id: string | null;
  diff_sha256: string | null;
  audited: boolean;
}
/**
 * `reml-run gpu launch KERNEL`: one kernel's timing, checksum, buffers and NVML state.
 */
export interface GpuLaunchDocument {
  command: 'gpu launch';
  /**
   * warning when a defect (leak, …) was found
   */
  status: 'ok' | 'warning';
  audit_id: string;
  kernel: string;
  /**
   * numpy or cupy
   */
  backend: string;
  /**
   * id, name, memory
   */
  device: {
    [k: string]: unknown;
  };
  params: {
    [k: string]: unknown;
  };
  /**
   * median of the timed launches
   */
  latency_ms: number;
  latencies_ms: number[];
  total_ms: number;
  repeat: number;
  warmup: number;
  gflops: number | null;
  error_code: string | null;
  checksum: number;
  summary: {
    [k: string]: unknown;
  };
  buffers: {
    [k: string]: unknown;
  };
  /**
   * code, message, …
   */
  defects: {
    [k: string]: unknown;
  }[];
  /**
   * before, after, error_events
   */
  nvml: {
    [k: string]: unknown;
  };
  metrics: {
    [k: string]: unknown;
  };
  /**
   * with --rollback-state after a GPU error
   */
  rollback?: {
    [k: string]: unknown;
  };
  exit_code: ExitCodeInfo;
  /**
   * the reml-run child's process id, added by the language server
   */
  pid?: number;
}
/**
 * `reml-run gpu kernels`: the kernels and their parameters (an editor's kernel picker).
 */
export interface GpuKernelsDocument {
  command: 'gpu kernels';
  status: 'ok';
  kernels: KernelInfo[];
  plugin_errors: PluginError[];
  exit_code: ExitCodeInfo;
  /**
   * the reml-run child's process id, added by the language server
   */
  pid?: number;
}
/**
 * A kernel the launcher knows: built in, or from a plugin.
 */
export interface KernelInfo {
  name: string;
  description: string;
  /**
   * builtin, or the plugin that provides it
   */
  origin: string;
  params: KernelParam[];
}
/**
 * One parameter of a GPU kernel, as `--param NAME=VALUE` takes it.
 */
export interface KernelParam {
  name: string;
  /**
   * int, float or str
   */
  type: string;
  default: unknown;
  help: string;
  minimum: number | null;
  maximum: number | null;
  choices: unknown[] | null;
}
/**
 * A kernel plugin that could not be loaded (the built-ins still work).
 */
export interface PluginError {
  plugin: string;
  error: string;
}
/**
 * `reml-run instrument query|write RESOURCE SCPI`.
 */
export interface InstrumentCommandDocument {
  command: 'instrument query' | 'instrument write';
  status: 'ok';
  audit_id: string;
  /**
   * the VISA resource name
   */
  resource: string;
  /**
   * the pyvisa library spec (@py, @sim, …)
   */
  backend: string;
  /**
   * the SCPI command sent
   */
  scpi: string;
  /**
   * the reply (null for a write without acknowledgement)
   */
  reply: string | null;
  latency_ms: number;
  metrics: {
    [k: string]: unknown;
  };
  exit_code: ExitCodeInfo;
  /**
   * the reml-run child's process id, added by the language server
   */
  pid?: number;
}
/**
 * `reml-run instrument telemetry`: samples and the latest voltage, temperature, flags.
 */
export interface TelemetryDocument {
  command: 'instrument telemetry';
  /**
   * warning when an error flag is set
   */
  status: 'ok' | 'warning';
  audit_id: string;
  resource: string;
  samples: {
    [k: string]: unknown;
  }[];
  /**
   * voltage_v, temperature_c, error_flags, flags_set
   */
  latest: {
    [k: string]: unknown;
  };
  /**
   * the error flags set in any sample
   */
  alerts: string[];
  metrics: {
    [k: string]: unknown;
  };
  exit_code: ExitCodeInfo;
  /**
   * the reml-run child's process id, added by the language server
   */
  pid?: number;
}
/**
 * `reml-run instrument apply REGMAP`: the planned (`--dry-run`) or applied and verified register/interrupt changes. A failure is an :class:`ErrorDocument` whose error carries the `audit_id`, the `change_set`, what failed and the rollback.
 */
export interface RegmapApplyDocument {
  command: 'instrument apply';
  status: 'ok';
  audit_id: string;
  resource: string;
  backend: string;
  /**
   * the register map's path
   */
  regmap: string;
  dry_run: boolean;
  /**
   * registers and interrupts read from the instrument
   */
  current: {
    [k: string]: unknown;
  };
  /**
   * registers and interrupts of the map
   */
  desired: {
    [k: string]: unknown;
  };
  /**
   * items: key, previous, current
   */
  change_set: {
    [k: string]: unknown;
  };
  /**
   * the writes done and verified (empty on a dry run)
   */
  applied: {
    [k: string]: unknown;
  }[];
  latency_ms: number;
  metrics: {
    [k: string]: unknown;
  };
  exit_code: ExitCodeInfo;
  /**
   * the reml-run child's process id, added by the language server
   */
  pid?: number;
}
/**
 * What every command prints when it fails before producing its own result (a usage error, an unreadable input, a bridge failure), and what the server reports for a child it could not run, stopped, or could not read.
 */
export interface ErrorDocument {
  /**
   * the reml-run command (or the editor command)
   */
  command: string;
  /**
   * always error
   */
  status: 'error';
  error: ErrorInfo;
  exit_code: ExitCodeInfo;
  /**
   * the reml-run child's process id, added by the language server
   */
  pid?: number;
}
/**
 * What the language server answers to a runtime command (`reml.reload`, `reml.diff`, …) and sends as `reml/runtimeResult`: the status and audit_id a person needs, and the child's whole document as `result`.
 */
export interface RuntimeCommandSummary {
  /**
   * the editor command, e.g. reml.reload
   */
  command: string;
  /**
   * the outcome: the document's status, a reload's result.status, or cancelled (stopped, or the user declined after the dry run)
   */
  status: string;
  /**
   * the operation's id in the audit store
   */
  audit_id: string | null;
  /**
   * the child's exit status (130 when cancelled)
   */
  exit_code: number;
  error: ErrorInfo | null;
  /**
   * the document reml-run printed
   */
  result:
    | DiffDocument
    | ReloadDocument
    | GpuLaunchDocument
    | GpuKernelsDocument
    | InstrumentCommandDocument
    | TelemetryDocument
    | RegmapApplyDocument
    | ErrorDocument;
}
