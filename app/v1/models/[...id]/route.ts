import { ApiError, json, withApiKey, otherMethods } from "@/lib/api";
import { publicModel } from "@/lib/catalog/public";

export const dynamic = "force-dynamic";

// Model ids contain "/" (local/echo-chat). The openai SDK sends them encoded as one
// segment (local%2Fecho-chat), curl users often do not: a catch-all takes both, and the
// segments are joined back (each already decoded by the router).
export const GET = withApiKey<{ id: string[] | string }>(async (ctx) => {
  const id = [ctx.params.id].flat().join("/");
  const model = ctx.catalog.get(id);
  if (!model) {
    throw new ApiError("model_not_found", `The model '${id}' does not exist or you do not have access to it. GET /v1/models lists the available models.`, {
      param: "model",
    });
  }
  return json(publicModel(model));
});

// Any other method: a 405 in the OpenAI error shape naming the ones this route takes.
export const { POST, PUT, PATCH, DELETE } = otherMethods("GET");
