import { Elysia, t } from "elysia";
import { ApiError } from "./api-error.ts";
import { ModelList, ModelObject } from "./schemas.ts";
import type { ServerState } from "./server-state.ts";

/** GET /v1/models and /v1/models/:id: the one served model. */
export function modelsRoute(state: ServerState) {
  const model = () => ({
    id: state.modelId,
    object: "model" as const,
    created: state.created,
    owned_by: "glm-serve",
  });
  return new Elysia()
    .get("/v1/models", () => ({ object: "list" as const, data: [model()] }), {
      response: { 200: ModelList },
      detail: { summary: "List models", tags: ["models"] },
    })
    .get(
      "/v1/models/:id",
      ({ params }) => {
        if (params.id !== state.modelId) {
          throw new ApiError(
            404,
            `model '${params.id}' does not exist; this server serves '${state.modelId}'`,
            "invalid_request_error",
            "model_not_found",
            "id",
          );
        }
        return model();
      },
      {
        params: t.Object({ id: t.String() }),
        response: { 200: ModelObject },
        detail: { summary: "Retrieve a model", tags: ["models"] },
      },
    );
}
