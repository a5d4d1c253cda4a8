// The API documentation page (templates/api/docs.html): Swagger UI over the API's own
// OpenAPI document. "Try it out" runs as the logged-in user: the session cookie, and
// the CSRF token the page carries for writes (docs/api.md, Interactive documentation).
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  if (!root || typeof SwaggerUIBundle === "undefined") return;
  SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    requestInterceptor: (request) => {
      request.headers["X-CSRFToken"] = root.dataset.csrfToken;
      return request;
    },
  });
});
