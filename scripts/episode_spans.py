"""The episodes of a transitions file (the format `collect` and `plan` write), for the scripts here.

    from episode_spans import episodes
    for start, end in episodes(h5py_file): ...

Yields each episode's rows as a half-open range [start, end), from the file's `episodes/lengths`
(a file without an `episodes` group is one episode).
"""


def episodes(f):
    lengths = f["episodes/lengths"][:] if "episodes" in f else [len(f["rewards"])]
    start = 0
    for length in lengths:
        yield start, start + int(length)
        start += int(length)
