"""C/CUDA source of the one-kernel equity enumeration, shared by the CUDA build and a C build for tests.

`score_board` is plain C that both compilers accept: CuPy compiles it with NVRTC (`-DGGP_CUDA`) into a
kernel where each thread scores whole boards in registers and accumulates (wins, ties, shares) without
any intermediate arrays; gcc compiles the same function into a host loop that the CPU test suite checks
against the poker core's Numba engine, so the arithmetic is verified on machines without a GPU.
"""

from __future__ import annotations

SOURCE = r"""
#ifdef GGP_CUDA
#define GGP_FN __device__ __forceinline__
#else
#define GGP_FN static inline
#endif

typedef long long ggp_i64;
typedef unsigned long long ggp_u64;

#define GGP_UNIT 5040
#define GGP_NO_LOW 0xFFFF
#define GGP_SUIT_START 0x3333
#define GGP_FLUSH_BITS 0x8888
#define GGP_MAX_PLAYERS 10

GGP_FN int ggp_popcount8(int mask) {
    int total = 0;
    while (mask) { mask &= mask - 1; total += 1; }
    return total;
}

GGP_FN int ggp_rank_value(int rank_sum, const int *row_offsets, const int *rank_values) {
    return rank_values[(rank_sum & 0xFFF) + row_offsets[rank_sum >> 12]];
}

/* Pot units each player wins on one 5-card board (the Numba engine's _score and _split). */
GGP_FN void ggp_score_board(int game, int players, int n_hole, const int *holes, const int *board,
                            const int *rank_key, const int *suit_key, const ggp_i64 *packed_bit,
                            const int *rank_bit, const int *low_bit, const int *row_offsets,
                            const int *rank_values, const int *flush_values, int *share) {
    int values[GGP_MAX_PLAYERS];
    int lows[GGP_MAX_PLAYERS];
    if (game == 0) {  /* hold'em and short deck: two hole cards plus the five */
        int board_rank = 0, board_suit = GGP_SUIT_START;
        ggp_i64 board_packed = 0;
        for (int i = 0; i < 5; ++i) {
            board_rank += rank_key[board[i]];
            board_suit += suit_key[board[i]];
            board_packed += packed_bit[board[i]];
        }
        for (int p = 0; p < players; ++p) {
            int a = holes[p * n_hole], b = holes[p * n_hole + 1];
            int rank_sum = board_rank + rank_key[a] + rank_key[b];
            int flags = ((board_suit + suit_key[a] + suit_key[b]) >> 3) & 0x1111;
            if (flags) {
                int shift = (((flags >> 4) & 1) + 2 * ((flags >> 8) & 1) + 3 * ((flags >> 12) & 1)) * 16;
                int mask = (int)(((board_packed + packed_bit[a] + packed_bit[b]) >> shift) & 0x1FFF);
                values[p] = flush_values[mask];
            } else {
                values[p] = ggp_rank_value(rank_sum, row_offsets, rank_values);
            }
            lows[p] = GGP_NO_LOW;
        }
    } else {  /* Omaha: exactly two hole cards and three board cards; game 2 adds the 8-or-better low */
        for (int p = 0; p < players; ++p) {
            const int *hole = holes + p * n_hole;
            int best = 0, best_low = GGP_NO_LOW;
            for (int a = 0; a < n_hole - 1; ++a) {
                for (int b = a + 1; b < n_hole; ++b) {
                    int pair_rank = rank_key[hole[a]] + rank_key[hole[b]];
                    int pair_suit = GGP_SUIT_START + suit_key[hole[a]] + suit_key[hole[b]];
                    int pair_bits = rank_bit[hole[a]] | rank_bit[hole[b]];
                    int la = low_bit[hole[a]], lb = low_bit[hole[b]];
                    int pair_low = (game == 2 && la && lb && la != lb) ? (la | lb) : 0;
                    for (int x = 0; x < 3; ++x) {
                        for (int y = x + 1; y < 4; ++y) {
                            for (int z = y + 1; z < 5; ++z) {
                                int cx = board[x], cy = board[y], cz = board[z];
                                int suit = pair_suit + suit_key[cx] + suit_key[cy] + suit_key[cz];
                                int v;
                                if (suit & GGP_FLUSH_BITS) {
                                    v = flush_values[pair_bits | rank_bit[cx] | rank_bit[cy] | rank_bit[cz]];
                                } else {
                                    v = ggp_rank_value(pair_rank + rank_key[cx] + rank_key[cy] + rank_key[cz],
                                                       row_offsets, rank_values);
                                }
                                if (v > best) best = v;
                                if (pair_low) {
                                    int mask = pair_low | low_bit[cx] | low_bit[cy] | low_bit[cz];
                                    if (ggp_popcount8(mask) == 5 && mask < best_low) best_low = mask;
                                }
                            }
                        }
                    }
                }
            }
            values[p] = best;
            lows[p] = best_low;
        }
    }
    int best = values[0];
    for (int p = 1; p < players; ++p) if (values[p] > best) best = values[p];
    int best_low = GGP_NO_LOW;
    if (game == 2) for (int p = 0; p < players; ++p) if (lows[p] < best_low) best_low = lows[p];
    int high_pot = best_low == GGP_NO_LOW ? GGP_UNIT : GGP_UNIT / 2;
    int count = 0, low_count = 0;
    for (int p = 0; p < players; ++p) {
        count += values[p] == best;
        low_count += best_low != GGP_NO_LOW && lows[p] == best_low;
    }
    for (int p = 0; p < players; ++p) {
        share[p] = values[p] == best ? high_pot / count : 0;
        if (best_low != GGP_NO_LOW && lows[p] == best_low) share[p] += (GGP_UNIT / 2) / low_count;
    }
}

GGP_FN void ggp_board(ggp_i64 index, const unsigned char *combos, int k, const int *deck, const int *known,
                      int n_known, int *board) {
    for (int i = 0; i < n_known; ++i) board[i] = known[i];
    for (int j = 0; j < k; ++j) board[n_known + j] = deck[combos[index * k + j]];
}

#ifdef GGP_CUDA
/* Grid-stride over boards; per-thread counts in registers, reduced per warp, then per block in shared
   memory, then one global atomic per counter per block. counts: (3, players) u64, zeroed by the caller. */
extern "C" __global__ void ggp_equity(const unsigned char *combos, ggp_i64 n_boards, int k, const int *deck,
                                      const int *known, int n_known, const int *holes, int players, int n_hole,
                                      int game, const int *rank_key, const int *suit_key,
                                      const ggp_i64 *packed_bit, const int *rank_bit, const int *low_bit,
                                      const int *row_offsets, const int *rank_values, const int *flush_values,
                                      ggp_u64 *counts) {
    __shared__ ggp_u64 block_counts[3 * GGP_MAX_PLAYERS];
    for (int i = threadIdx.x; i < 3 * players; i += blockDim.x) block_counts[i] = 0;
    __syncthreads();
    ggp_u64 wins[GGP_MAX_PLAYERS], ties[GGP_MAX_PLAYERS], shares[GGP_MAX_PLAYERS];
    for (int p = 0; p < GGP_MAX_PLAYERS; ++p) { wins[p] = 0; ties[p] = 0; shares[p] = 0; }
    int board[5], share[GGP_MAX_PLAYERS];
    for (ggp_i64 b = (ggp_i64)blockIdx.x * blockDim.x + threadIdx.x; b < n_boards;
         b += (ggp_i64)gridDim.x * blockDim.x) {
        ggp_board(b, combos, k, deck, known, n_known, board);
        ggp_score_board(game, players, n_hole, holes, board, rank_key, suit_key, packed_bit, rank_bit, low_bit,
                        row_offsets, rank_values, flush_values, share);
        for (int p = 0; p < players; ++p) {
            wins[p] += share[p] == GGP_UNIT;
            ties[p] += share[p] > 0 && share[p] < GGP_UNIT;
            shares[p] += share[p];
        }
    }
    for (int p = 0; p < players; ++p) {
        ggp_u64 w = wins[p], t = ties[p], s = shares[p];
        for (int offset = 16; offset > 0; offset >>= 1) {
            w += __shfl_down_sync(0xffffffffu, w, offset);
            t += __shfl_down_sync(0xffffffffu, t, offset);
            s += __shfl_down_sync(0xffffffffu, s, offset);
        }
        if ((threadIdx.x & 31) == 0) {
            atomicAdd(&block_counts[p], w);
            atomicAdd(&block_counts[players + p], t);
            atomicAdd(&block_counts[2 * players + p], s);
        }
    }
    __syncthreads();
    for (int i = threadIdx.x; i < 3 * players; i += blockDim.x) atomicAdd(&counts[i], block_counts[i]);
}
#else
/* The same scoring as a host loop, for tests on machines without a GPU. */
void ggp_equity_host(const unsigned char *combos, ggp_i64 n_boards, int k, const int *deck, const int *known,
                     int n_known, const int *holes, int players, int n_hole, int game, const int *rank_key,
                     const int *suit_key, const ggp_i64 *packed_bit, const int *rank_bit, const int *low_bit,
                     const int *row_offsets, const int *rank_values, const int *flush_values, ggp_u64 *counts) {
    int board[5], share[GGP_MAX_PLAYERS];
    for (ggp_i64 b = 0; b < n_boards; ++b) {
        ggp_board(b, combos, k, deck, known, n_known, board);
        ggp_score_board(game, players, n_hole, holes, board, rank_key, suit_key, packed_bit, rank_bit, low_bit,
                        row_offsets, rank_values, flush_values, share);
        for (int p = 0; p < players; ++p) {
            counts[p] += share[p] == GGP_UNIT;
            counts[players + p] += share[p] > 0 && share[p] < GGP_UNIT;
            counts[2 * players + p] += share[p];
        }
    }
}
#endif
"""
