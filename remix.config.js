/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.*"],
  serverModuleFormat: "esm",
  serverPlatform: "node",
  // Server-only packages stay external: they are installed next to the build.
  serverDependenciesToBundle: [],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    // Off: with it, every page render matches the URL and each of its parent paths against
    // all ~100 routes to inline a partial manifest (9 % of the members page's server CPU in a
    // profile). Without it the browser loads the whole manifest once, as an
    // immutable file (47 kB, 4 kB gzipped).
    v3_lazyRouteDiscovery: false,
    v3_singleFetch: true,
  },
};
