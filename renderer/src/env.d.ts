/// <reference types="vite/client" />
import type { BuildDeckBridge } from '../../electron/common/contract';

declare global {
  interface Window {
    /** Exposed by the Electron preload (contextBridge); absent in serve mode, where a web bridge is used. */
    builddeck?: BuildDeckBridge;
  }
}

export {};
