import { authIpLimits } from "@/lib/auth/ip-limits";
import { CREDIT_HEADER_DOCS } from "@/lib/metering/credit-headers";
import { RATE_LIMIT_HEADERS, RATE_LIMIT_WINDOW_SECONDS, TIER_LIST, TIERS_BY_ID } from "@/lib/ratelimit/tiers";
import { rateLimitedExample } from "../examples";
import { code, h2, link, p, strong, type DocPageSource } from "../types";

const EXAMPLE_RESET = 1_767_225_660; // a minute boundary, for the example only
const EXAMPLE_RETRY = 17;

export const rateLimits: DocPageSource = {
  slug: "rate-limits",
  title: "Rate limits",
  summary: () =>
    `Requests per minute per API key by tier (${TIER_LIST.map((t) => `${t.name} ${t.requestsPerMinute}`).join(", ")}), a ceiling per account (${TIER_LIST.map((t) => `${t.name} ${t.accountRequestsPerMinute}`).join(", ")}), the three x-ratelimit headers, 429 with Retry-After.`,
  blocks: () => {
    const free = TIERS_BY_ID.free;
    const ip = authIpLimits();
    return [
      p(
        "Limits are ",
        strong("per API key, per minute"),
        ", set by your account's tier. Two keys of one account are counted separately, and beside them the account has a ",
        strong("ceiling per minute for all its keys together"),
        ", so that many keys cannot multiply the limit. A tier change applies from the very next request.",
      ),
      {
        kind: "table",
        testId: "tier-table",
        head: ["Tier", "Requests per minute, per key", "Per account, all keys together", "How to get it"],
        rows: TIER_LIST.map((t) => [[t.name], [String(t.requestsPerMinute)], [String(t.accountRequestsPerMinute)], [t.howToGet]]),
      },
      p(
        `The window is ${RATE_LIMIT_WINDOW_SECONDS} seconds, aligned to the clock (12:00:00 to 12:00:59, then 12:01:00…). Every request in it counts, successful or not, `,
        "and the count starts over when the window ends. Ask for ",
        strong(TIERS_BY_ID.elevated.name),
        " from the dashboard's overview page.",
      ),
      h2("Headers"),
      p("Every ", code("/v1"), " response carries the three headers, errors included:"),
      {
        kind: "table",
        testId: "header-table",
        head: ["Header", "Meaning"],
        rows: [
          [[code(RATE_LIMIT_HEADERS.limit)], ["The key's ceiling: requests per minute at its tier."]],
          [[code(RATE_LIMIT_HEADERS.remaining)], ["Requests left in the current window, after this one."]],
          [[code(RATE_LIMIT_HEADERS.reset)], ["When the window resets, as a Unix timestamp in seconds."]],
          [[code("Retry-After")], ["Only on a ", code("429"), ": whole seconds to wait. Waiting that long lets the next request through."]],
          // Credit, beside the request rate (lib/metering/credit-headers.ts; the billing page says more).
          ...CREDIT_HEADER_DOCS.map((h) => [[code(h.name)], [h.description]]),
        ],
      },
      p(
        "One exception: a ",
        code("401"),
        " (missing, unknown or revoked key) is answered before the key is known, so it carries no rate-limit headers, only ",
        code("x-request-id"),
        ".",
      ),
      h2("Over the limit"),
      p(
        "The request is refused with ",
        code("429 Too Many Requests"),
        " before it reaches any model, and it costs nothing. Example, a ",
        free.name,
        " key after its ",
        String(free.requestsPerMinute),
        " requests in a minute:",
      ),
      {
        kind: "code",
        lang: "http",
        testId: "example-429",
        text: [
          "HTTP/1.1 429 Too Many Requests",
          `${RATE_LIMIT_HEADERS.limit}: ${free.requestsPerMinute}`,
          `${RATE_LIMIT_HEADERS.remaining}: 0`,
          `${RATE_LIMIT_HEADERS.reset}: ${EXAMPLE_RESET}`,
          `retry-after: ${EXAMPLE_RETRY}`,
          "content-type: application/json",
          "",
          JSON.stringify(rateLimitedExample("free", EXAMPLE_RETRY), null, 2),
        ].join("\n"),
      },
      h2("The account's ceiling"),
      p(
        "Requests that a key's own limit lets through also count toward its account's ceiling (",
        String(free.accountRequestsPerMinute),
        " a minute on ",
        free.name,
        "), whichever key sent them, including keys revoked since: revoking keys and creating new ones does not start a new count. ",
        "Over the ceiling the answer is a ",
        code("429"),
        " with ",
        code("Retry-After"),
        " and the error code ",
        code("account_rate_limit_exceeded"),
        " (a key's own limit says ",
        code("rate_limit_exceeded"),
        "). The ",
        code("x-ratelimit-*"),
        " headers keep describing the key that sent the request, not the account.",
      ),
      p("The official OpenAI SDKs retry 429s by themselves and honour ", code("Retry-After"), "; other clients should wait that many seconds."),
      h2("If the limiter is unavailable"),
      p(
        "The limiter's store (Redis) is not allowed to take the API down, and its failure does not switch the limits off. If it is unreachable or slow, the limiter gives up after a short, bounded wait ",
        "and the server that took the request counts it itself, with the same limits; the headers show that count. The store is skipped for a few seconds before it is tried again, ",
        "so an outage costs at most one short wait every few seconds, not one per request.",
      ),
      p(
        "While that lasts, limits are ",
        strong("per server instance"),
        ", not shared: behind several instances a key can get up to that many times its limit, and the count starts again from zero on each instance. ",
        "When the store answers again, the shared count applies from the next request.",
      ),
      h2("Sign-up and sign-in"),
      p(
        "The account pages are limited per IP address with the same machinery: ",
        strong(`${ip.signup.limit} sign-ups per hour`),
        " and ",
        strong(`${ip.signin.limit} sign-in attempts per minute`),
        ". Repeated wrong passwords for one account are throttled separately. These limits do not fall back to per-instance counting: ",
        "while their store cannot answer, sign-in and sign-up are refused for a moment with a message saying so. See also ",
        link("API reference", "/docs/api-reference"),
        ".",
      ),
    ];
  },
};
