// Starts Swagger UI on /api/v1/docs/. A file rather than an inline script, so that the
// Content-Security-Policy can forbid inline scripts on every page, this one included.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: root.dataset.spec, dom_id: "#swagger-ui" });
});
