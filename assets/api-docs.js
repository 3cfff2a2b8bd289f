// Start Swagger UI on the embedded OpenAPI document (same origin, no network).
window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
