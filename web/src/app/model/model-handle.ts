// What the app remembers of an opened model: the File System Access handle of its file or folder.
export type ModelHandle = FileSystemFileHandle | FileSystemDirectoryHandle;
