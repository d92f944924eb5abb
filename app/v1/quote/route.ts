import { json, readJson, withApiKey, otherMethods } from "@/lib/api";
import { quote } from "@/lib/api/quote";
import { POST as chatCompletions } from "../chat/completions/route";
import { POST as completions } from "../completions/route";
import { POST as responses } from "../responses/route";
import { POST as embeddings } from "../embeddings/route";
import { POST as images } from "../images/generations/route";
import { POST as speech } from "../audio/speech/route";
import { POST as transcriptions } from "../audio/transcriptions/route";
import { POST as videos } from "../videos/route";
import { quoteBody } from "./schema";

export const dynamic = "force-dynamic";

// The routes a quote runs up to their hold (lib/api/quote.ts): every /v1 request that costs money.
const QUOTABLE = {
  "/v1/chat/completions": chatCompletions,
  "/v1/completions": completions,
  "/v1/responses": responses,
  "/v1/embeddings": embeddings,
  "/v1/images/generations": images,
  "/v1/audio/speech": speech,
  "/v1/audio/transcriptions": transcriptions,
  "/v1/videos": videos,
};

export const POST = withApiKey(async (ctx) => json(await quote(ctx, QUOTABLE, await readJson(ctx.req, quoteBody))));

// Any other method: a 405 in the OpenAI error shape naming the ones this route takes.
export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
