// The parts of the File System Access API that TypeScript's DOM library does not declare yet
// (pickers and permissions: Chromium-only). Everything else uses the standard DOM types.

export interface FilePickerAcceptType {
  description?: string;
  accept: Record<string, string[]>;
}

export interface PermissionDescriptorForHandle {
  mode?: 'read' | 'readwrite';
}

export interface PermissionedHandle {
  queryPermission?(d?: PermissionDescriptorForHandle): Promise<PermissionState>;
  requestPermission?(d?: PermissionDescriptorForHandle): Promise<PermissionState>;
  /** Chromium: removes the entry the handle points to */
  remove?(): Promise<void>;
}

export interface FileSystemAccessWindow {
  showOpenFilePicker?(options?: {
    id?: string;
    multiple?: boolean;
    excludeAcceptAllOption?: boolean;
    types?: FilePickerAcceptType[];
  }): Promise<FileSystemFileHandle[]>;
  showSaveFilePicker?(options?: {
    id?: string;
    suggestedName?: string;
    excludeAcceptAllOption?: boolean;
    types?: FilePickerAcceptType[];
  }): Promise<FileSystemFileHandle>;
  showDirectoryPicker?(options?: { id?: string; mode?: 'read' | 'readwrite' }): Promise<FileSystemDirectoryHandle>;
}

export const fsWindow = (): FileSystemAccessWindow => globalThis as unknown as FileSystemAccessWindow;

/** The user closed a picker without choosing: not an error to show. */
export function isPickerDismissed(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

export const GGUF_PICKER_TYPES: FilePickerAcceptType[] = [
  { description: 'GGUF model', accept: { 'application/octet-stream': ['.gguf'] } },
];

/** Duck-typed: FileSystemDirectoryHandle is not a global in every browser. */
export function isDirectoryHandle(x: unknown): x is FileSystemDirectoryHandle {
  return typeof x === 'object' && x !== null && (x as FileSystemHandle).kind === 'directory' && 'getFileHandle' in x;
}

export function isFileHandle(x: unknown): x is FileSystemFileHandle {
  return typeof x === 'object' && x !== null && (x as FileSystemHandle).kind === 'file' && 'getFile' in x;
}
