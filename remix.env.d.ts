/// <reference types="@remix-run/dev" />
/// <reference types="@remix-run/node" />

// A module augmentation (this file must stay a module for it to extend, not replace).
import "@remix-run/server-runtime";

declare module "@remix-run/server-runtime" {
  interface Future {
    v3_singleFetch: true;
  }
}
