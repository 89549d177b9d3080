// A folder of a Hub repository as the Hugging Face converter sees a folder: its files listed from the
// tree at one commit, each opened for range reads on demand.
import { QuantsmithError } from '../errors.ts';
import type { ModelFolder } from '../formats/hf/model-folder.ts';
import type { HubAccess } from './hub-access.ts';
import type { HubListing } from './hub-listing.ts';
import { ReadAheadBudget } from './read-ahead-budget.ts';
import { openRemoteFile } from './remote-file.ts';

/** `dir` is '' for the repository's root; the folder's name is the repository's (or the sub-folder's) own name. */
export function hubFolder(listing: HubListing, access: HubAccess, dir = '', budget = new ReadAheadBudget()): ModelFolder {
  const prefix = dir ? `${dir}/` : '';
  const byPath = new Map(listing.files.filter((f) => f.path.startsWith(prefix)).map((f) => [f.path.slice(prefix.length), f]));
  const names = [...byPath.keys()];
  const name = (dir || listing.repo).split('/').pop()!;
  return {
    name,
    list: () => names,
    open: async (path) => {
      const file = byPath.get(path);
      if (!file) throw new QuantsmithError(`${listing.repo}@${listing.revision} has no file ${prefix}${path}`);
      return openRemoteFile(listing, file, access, budget);
    },
  };
}
