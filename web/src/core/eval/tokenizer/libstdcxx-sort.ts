// std::sort as libstdc++ implements it (introsort: median-of-three quicksort down to runs of 16, heapsort past a
// depth limit, then insertion sort). It is not stable, and llama.cpp sorts its special tokens with it by length
// alone, so the order of special tokens of equal length, which decides between two that overlap in a text, is
// the one this algorithm leaves. Sorts in place with `less` as the strict weak order.

const THRESHOLD = 16;

export function libstdcxxSort<T>(a: T[], less: (x: T, y: T) => boolean): void {
  const n = a.length;
  if (n < 2) return;
  introsortLoop(a, 0, n, 2 * Math.floor(Math.log2(n)), less);
  finalInsertionSort(a, 0, n, less);
}

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

function introsortLoop<T>(a: T[], first: number, last: number, depth: number, less: (x: T, y: T) => boolean): void {
  while (last - first > THRESHOLD) {
    if (depth === 0) {
      heapSort(a, first, last, less);
      return;
    }
    depth--;
    const cut = partitionPivot(a, first, last, less);
    introsortLoop(a, cut, last, depth, less);
    last = cut;
  }
}

function partitionPivot<T>(a: T[], first: number, last: number, less: (x: T, y: T) => boolean): number {
  const mid = first + ((last - first) >> 1);
  moveMedianToFirst(a, first, first + 1, mid, last - 1, less);
  // unguarded partition of [first + 1, last) around a[first]
  let lo = first + 1;
  let hi = last;
  for (;;) {
    while (less(a[lo]!, a[first]!)) lo++;
    hi--;
    while (less(a[first]!, a[hi]!)) hi--;
    if (!(lo < hi)) return lo;
    swap(a, lo, hi);
    lo++;
  }
}

function moveMedianToFirst<T>(a: T[], result: number, x: number, y: number, z: number, less: (p: T, q: T) => boolean): void {
  if (less(a[x]!, a[y]!)) {
    if (less(a[y]!, a[z]!)) swap(a, result, y);
    else if (less(a[x]!, a[z]!)) swap(a, result, z);
    else swap(a, result, x);
  } else if (less(a[x]!, a[z]!)) swap(a, result, x);
  else if (less(a[y]!, a[z]!)) swap(a, result, z);
  else swap(a, result, y);
}

function unguardedLinearInsert<T>(a: T[], i: number, less: (x: T, y: T) => boolean): void {
  const val = a[i]!;
  let next = i - 1;
  while (less(val, a[next]!)) {
    a[i] = a[next]!;
    i = next;
    next--;
  }
  a[i] = val;
}

function insertionSort<T>(a: T[], first: number, last: number, less: (x: T, y: T) => boolean): void {
  for (let i = first + 1; i < last; i++) {
    if (less(a[i]!, a[first]!)) {
      const val = a[i]!;
      for (let j = i; j > first; j--) a[j] = a[j - 1]!;
      a[first] = val;
    } else {
      unguardedLinearInsert(a, i, less);
    }
  }
}

function finalInsertionSort<T>(a: T[], first: number, last: number, less: (x: T, y: T) => boolean): void {
  if (last - first > THRESHOLD) {
    insertionSort(a, first, first + THRESHOLD, less);
    for (let i = first + THRESHOLD; i < last; i++) unguardedLinearInsert(a, i, less);
  } else {
    insertionSort(a, first, last, less);
  }
}

// std::__partial_sort(first, last, last): make_heap, then pop_heap from the back
function heapSort<T>(a: T[], first: number, last: number, less: (x: T, y: T) => boolean): void {
  const len = last - first;
  if (len < 2) return;
  for (let parent = (len - 2) >> 1; ; parent--) {
    adjustHeap(a, first, parent, len, a[first + parent]!, less);
    if (parent === 0) break;
  }
  for (let end = last - 1; end - first > 0; end--) {
    const val = a[end]!;
    a[end] = a[first]!;
    adjustHeap(a, first, 0, end - first, val, less);
  }
}

function adjustHeap<T>(a: T[], first: number, hole: number, len: number, val: T, less: (x: T, y: T) => boolean): void {
  const top = hole;
  let child = hole;
  while (child < (len - 1) >> 1) {
    child = 2 * (child + 1);
    if (less(a[first + child]!, a[first + child - 1]!)) child--;
    a[first + hole] = a[first + child]!;
    hole = child;
  }
  if ((len & 1) === 0 && child === (len - 2) >> 1) {
    child = 2 * (child + 1);
    a[first + hole] = a[first + child - 1]!;
    hole = child - 1;
  }
  // push_heap of val from hole up to top
  let parent = (hole - 1) >> 1;
  while (hole > top && less(a[first + parent]!, val)) {
    a[first + hole] = a[first + parent]!;
    hole = parent;
    parent = (hole - 1) >> 1;
  }
  a[first + hole] = val;
}
