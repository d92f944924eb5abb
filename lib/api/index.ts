export { ApiError, ERROR_CODES, errorResponse, type ApiErrorCode, type OpenAIErrorBody } from "./errors";
export { apiResponseHeaders, withApiKey, type ApiContext } from "./with-api-key";
export { readJson, readFormData, readBodyBytes, requireContentType, parseWith, DEFAULT_JSON_LIMIT_BYTES } from "./body";
export { resolveModel, maxCostFrom, json } from "./request-helpers";
export { invalidateKeyCache, flushLastUsed, KEY_CACHE_TTL_MS } from "./key-auth";
export { notFound, otherMethods } from "./not-routed";
export { textBody, COMPRESS_MIN_BYTES } from "./small-body";
