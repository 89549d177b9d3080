// Build-time values and virtual modules the Vite config provides.
/// <reference types="svelte" />
/// <reference types="vite/client" />
/// <reference types="vite-plugin-pwa/vanillajs" />

/** The sample model the build copied in, or null when the build had none. */
declare const __SAMPLE_MODEL__: { path: string; name: string; size: number } | null;
/** the held-out text of the sample model (Python documentation, PSF License), for Check quality */
declare const __SAMPLE_TEXT__: { path: string; name: string; size: number } | null;
