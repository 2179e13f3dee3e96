-- GET one static asset (the ceiling); only the summary line is added.
dofile(os.getenv("BENCH_LIB") .. "/common.lua")
