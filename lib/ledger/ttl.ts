import { env } from "@/lib/env";

/** How long a reservation may live before the sweeper assumes its process died. */
export const DEFAULT_RESERVATION_TTL_SECONDS = 15 * 60;

/** RESERVATION_TTL_SECONDS when set (tests shorten it), else the default. */
export function reservationTtlSeconds(): number {
  return env().RESERVATION_TTL_SECONDS ?? DEFAULT_RESERVATION_TTL_SECONDS;
}
