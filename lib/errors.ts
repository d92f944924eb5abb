// One error class for every layer (metering, providers, the limiter, the HTTP wrapper): a
// leaf module with no imports, so nothing below the wrapper imports the wrapper's folder
// (the HTTP side, errorResponse and toApiError, is lib/api/errors.ts). The code decides
// the HTTP status and the OpenAI `type`; the message is written for the client and must never carry a stack trace, SQL
// or an upstream secret. Anything thrown that is not an ApiError becomes a 500 whose
// message only gives the request id (the details go to the server log).

export const ERROR_CODES = {
  invalid_request: { status: 400, type: "invalid_request_error" },
  invalid_json: { status: 400, type: "invalid_request_error" },
  context_length_exceeded: { status: 400, type: "invalid_request_error" },
  model_wrong_endpoint: { status: 400, type: "invalid_request_error" },
  invalid_api_key: { status: 401, type: "authentication_error" },
  insufficient_quota: { status: 402, type: "insufficient_quota" },
  key_spend_limit_exceeded: { status: 402, type: "insufficient_quota" },
  max_cost_exceeded: { status: 402, type: "insufficient_quota" },
  account_frozen: { status: 402, type: "insufficient_quota" },
  // The key's project has a monthly budget (issue 24) that this request's hold would pass.
  project_budget_exceeded: { status: 402, type: "insufficient_quota" },
  permission_denied: { status: 403, type: "permission_error" },
  // The key's project allows only some models (its allowlist), and not this one.
  model_not_allowed: { status: 403, type: "permission_error" },
  not_found: { status: 404, type: "invalid_request_error" },
  model_not_found: { status: 404, type: "invalid_request_error" },
  method_not_allowed: { status: 405, type: "invalid_request_error" },
  payload_too_large: { status: 413, type: "invalid_request_error" },
  unsupported_media_type: { status: 415, type: "invalid_request_error" },
  rate_limit_exceeded: { status: 429, type: "requests" }, // OpenAI's type for request-rate limits
  // The account's ceiling (all its keys together), not the key's own limit.
  account_rate_limit_exceeded: { status: 429, type: "requests" },
  internal_error: { status: 500, type: "server_error" },
  upstream_error: { status: 502, type: "upstream_error" },
  // A provider refused the client's request as invalid (its 4xx): its status, message,
  // param and code are relayed (see lib/providers/upstream/errors.ts).
  upstream_rejected: { status: 400, type: "invalid_request_error" },
  // Every provider of the model answered 429: their capacity, not this key's rate limit
  // (that one is rate_limit_exceeded, type "requests").
  provider_rate_limited: { status: 429, type: "provider_capacity" },
  service_unavailable: { status: 503, type: "server_error" },
  upstream_timeout: { status: 504, type: "upstream_error" },
} as const satisfies Record<string, { status: number; type: string }>;

export type ApiErrorCode = keyof typeof ERROR_CODES;

export type OpenAIErrorBody = {
  error: { message: string; type: string; param: string | null; code: string | null };
};

export class ApiError extends Error {
  override name = "ApiError";
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  /** The `code` in the body when it is not ours (a provider's own code, relayed). */
  readonly bodyCode: string | null | undefined;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    opts: { param?: string | null; headers?: Record<string, string>; cause?: unknown; status?: number; bodyCode?: string | null } = {},
  ) {
    super(message, { cause: opts.cause });
    this.status = opts.status ?? ERROR_CODES[code].status;
    this.type = ERROR_CODES[code].type;
    this.param = opts.param ?? null;
    this.headers = opts.headers ?? {};
    this.bodyCode = opts.bodyCode;
  }

  toJSON(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.bodyCode === undefined ? this.code : this.bodyCode } };
  }
}
