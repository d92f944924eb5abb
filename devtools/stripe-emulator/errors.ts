import type { TestCard } from "./cards";
import { ParamError, type FormObject } from "./form";
import { snapshot, type PaymentMethod, type StripeErrorBody } from "./objects";

// Stripe's error shapes: `{"error": {type, code, decline_code, message, param, ...}}`.

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: StripeErrorBody,
  ) {
    super(error.message);
  }
}

export const notFound = (kind: string, id: string, param = "id") =>
  new HttpError(404, { type: "invalid_request_error", code: "resource_missing", param, message: `No such ${kind}: '${id}'` });

export const badRequest = (message: string, code?: string, param?: string) => new HttpError(400, { type: "invalid_request_error", code, param, message });

export function declineError(card: TestCard, pm: PaymentMethod): StripeErrorBody {
  return {
    type: "card_error",
    code: "card_declined",
    decline_code: card.declineCode ?? "generic_decline",
    message: card.declineMessage ?? "Your card was declined.",
    doc_url: "https://stripe.com/docs/error-codes/card-declined",
    payment_method: snapshot(pm),
  };
}

export function errorBody(err: HttpError | ParamError): { status: number; body: { error: Record<string, unknown> } } {
  if (err instanceof ParamError) {
    return { status: 400, body: { error: { type: "invalid_request_error", code: err.code, param: err.param, message: err.message } } };
  }
  return { status: err.status, body: { error: Object.fromEntries(Object.entries(err.error).filter(([, v]) => v !== undefined)) } };
}

/** The emulator only does cards; it accepts either spelling of the types parameter. */
export function allowedTypes(f: FormObject): string[] | null {
  const v = f.allowed_payment_method_types ?? f.payment_method_types;
  if (v === undefined) return null;
  const types = Array.isArray(v) ? v : [v];
  if (types.some((t) => t !== "card")) {
    throw badRequest("The Stripe emulator supports only card payments.", "payment_method_unsupported_type", "allowed_payment_method_types");
  }
  return ["card"];
}
