"""Where to add staff: maximal covering (MCLP) and p-center, always answered within a time budget.

Both work on metric coordinates (a UTM zone): demand points (grid centroids with households or
incidents as weights), candidate sites, the staff already in place (fixed), and ``facilities``
new sites to choose.

- **Maximal covering:** lazy greedy (a (1 - 1/e) approximation) and a Lagrangian upper bound
  (coverage constraints relaxed, subgradient steps); when they do not meet, the exact MIP
  through HiGHS (``scipy.optimize.milp``) with the time that is left: its incumbent and dual
  bound are used when it stops at the limit. The reported bound is always a true upper bound.
- **p-center:** farthest-first (Gonzalez) with a centre-moving improvement; the lower bound
  comes from the p + 1 demand points farthest-first picks (pigeonhole: two of them share a
  new site, or one is served by an existing one); for small problems an exact search over
  radii with set-cover MIPs through HiGHS.

Pure numpy/scipy; no database or web imports.
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.spatial import cKDTree

from geogrid.errors import InputError

Points = npt.NDArray[np.float64]
MIP_MAX_NONZEROS: Final = 200_000
"""Above this many coverage pairs HiGHS does not finish in seconds: the budget goes to the
Lagrangian bound and its primal solutions instead."""
PCENTER_EXACT_MAX_PAIRS: Final = 1_500_000


@dataclass(frozen=True)
class Recommendation:
    """``sites``: indices of the chosen candidates; ``objective``: covered weight (MCLP) or the
    worst distance in metres (p-center), existing staff included; ``bound``: a proven upper
    bound on the best covered weight (MCLP) or lower bound on the best worst distance
    (p-center); ``optimal`` when objective meets bound; ``baseline``: the objective with the
    existing staff only."""

    problem: str
    sites: list[int]
    objective: float
    bound: float
    baseline: float
    method: str
    optimal: bool
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float:
        """Relative distance between objective and bound (0 when proven optimal)."""
        if self.problem == "mclp":
            return 0.0 if self.bound <= 0 else max(0.0, (self.bound - self.objective) / self.bound)
        return (
            0.0 if self.objective <= 0 else max(0.0, (self.objective - self.bound) / self.objective)
        )


def _check(demand: Points, candidates: Points, facilities: int) -> None:
    if demand.ndim != 2 or demand.shape[1] != 2 or candidates.ndim != 2 or candidates.shape[1] != 2:
        raise InputError("demand and candidate points must be arrays of shape (n, 2) in metres")
    if facilities < 1:
        raise InputError("the number of new sites must be at least 1", field="facilities")
    if len(candidates) == 0:
        raise InputError("there are no candidate sites")


def maximal_covering(
    demand: Points,
    weights: npt.ArrayLike,
    candidates: Points,
    *,
    facilities: int,
    radius: float,
    existing: Points | None = None,
    time_limit: float = 10.0,
    exact: bool = True,
) -> Recommendation:
    """Choose ``facilities`` candidates that cover the most weight within ``radius`` metres,
    on top of what ``existing`` sites cover. Returns within about ``time_limit`` seconds."""
    start = time.perf_counter()
    demand = np.asarray(demand, dtype=np.float64)
    candidates = np.asarray(candidates, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    _check(demand, candidates, facilities)
    covered0 = _within(demand, existing, radius)
    baseline = float(w[covered0].sum())
    open_rows = np.flatnonzero(~covered0 & (w > 0))
    a = _coverage(demand[open_rows], candidates, radius)
    wo = w[open_rows]
    sites, gained = _greedy(a, wo, facilities)
    try_mip = exact and a.nnz <= MIP_MAX_NONZEROS
    share = 0.35 if try_mip else 0.9
    bound, alternative = _lagrangian(
        a, wo, facilities, lower=gained, deadline=start + share * time_limit
    )
    method, notes = "greedy", []
    if alternative[1] > gained:
        sites, gained = alternative
        method = "Lagrangian heuristic"
    if gained >= bound - 1e-9 * max(1.0, bound):
        method += " (proven optimal by the Lagrangian bound)"
    elif try_mip:
        left = time_limit - (time.perf_counter() - start) - 0.3
        if left > 0.2:
            mip = _mclp_mip(a, wo, facilities, time_limit=left)
            if mip is None:
                notes.append(f"the MIP (HiGHS) gave no solution within {left:.1f} s")
            else:
                mip_sites, mip_value, mip_bound, finished = mip
                bound = min(bound, mip_bound)
                if mip_value > gained:
                    sites, gained = mip_sites, mip_value
                method = "exact MIP (HiGHS)" if finished else "MIP (HiGHS) stopped at the limit"
    elif exact:
        notes.append(f"the MIP has {a.nnz} coverage pairs (> {MIP_MAX_NONZEROS}): not attempted")
    bound = max(bound, gained)
    return Recommendation(
        problem="mclp",
        sites=sorted(int(s) for s in sites),
        objective=baseline + gained,
        bound=baseline + bound,
        baseline=baseline,
        method=method,
        optimal=gained >= bound - 1e-9 * max(1.0, bound),
        seconds=time.perf_counter() - start,
        notes=notes,
    )


def _within(points: Points, sites: Points | None, radius: float) -> npt.NDArray[np.bool_]:
    if sites is None or len(sites) == 0:
        return np.zeros(len(points), dtype=bool)
    distance, _ = cKDTree(np.asarray(sites, dtype=np.float64)).query(points, k=1)
    return np.asarray(distance <= radius)


def _coverage(demand: Points, candidates: Points, radius: float) -> sp.csr_matrix:
    """Rows: demand points; columns: candidates within ``radius``."""
    if len(demand) == 0:
        return sp.csr_matrix((0, len(candidates)))
    pairs = cKDTree(demand).sparse_distance_matrix(
        cKDTree(candidates), radius, output_type="coo_matrix"
    )
    a = sp.csr_matrix((np.ones(pairs.nnz), (pairs.row, pairs.col)), shape=pairs.shape)
    # Zero distances are dropped by sparse_distance_matrix: a candidate on the demand point.
    distance, nearest = cKDTree(candidates).query(demand, k=1)
    on_top = np.flatnonzero(distance == 0)
    a = a + sp.csr_matrix((np.ones(on_top.size), (on_top, nearest[on_top])), shape=a.shape)
    a.data[:] = 1.0
    return a


def _greedy(a: sp.csr_matrix, w: npt.NDArray[np.float64], count: int) -> tuple[list[int], float]:
    """Lazy greedy: each step opens the candidate that covers the most uncovered weight."""
    csc = a.tocsc()
    gains = np.asarray(csc.T @ w).ravel()
    uncovered = np.ones(a.shape[0], dtype=bool)
    chosen: list[int] = []
    total = 0.0
    for _ in range(min(count, a.shape[1])):
        j = int(np.argmax(gains))
        if gains[j] <= 0:
            break
        rows = csc.indices[csc.indptr[j] : csc.indptr[j + 1]]
        rows = rows[uncovered[rows]]
        uncovered[rows] = False
        total += float(w[rows].sum())
        gains -= np.asarray(a[rows].T @ w[rows]).ravel()
        gains[j] = -np.inf
        chosen.append(j)
    return chosen, total


def _lagrangian(
    a: sp.csr_matrix,
    w: npt.NDArray[np.float64],
    count: int,
    *,
    lower: float,
    deadline: float,
    iterations: int = 1000,
) -> tuple[float, tuple[list[int], float]]:
    """min over lambda >= 0 of sum(max(0, w - lambda)) + (sum of the ``count`` largest column sums
    of lambda): every lambda gives an upper bound on the covered weight. The ``count`` columns
    each step picks are also a solution: the best one is returned with the bound."""
    best_sites: tuple[list[int], float] = ([], 0.0)
    if a.shape[0] == 0:
        return 0.0, best_sites
    at = a.T.tocsr()
    lam = w.copy()
    best = float(w.sum())
    theta = 2.0
    stale = 0
    k = min(count, a.shape[1])
    for _ in range(iterations):
        scores = np.asarray(at @ lam).ravel()
        top = np.argpartition(-scores, k - 1)[:k]
        value = float(np.maximum(0.0, w - lam).sum() + scores[top].sum())
        if value < best - 1e-9:
            best, stale = value, 0
        else:
            stale += 1
            if stale >= 15:
                theta, stale = theta / 2.0, 0
        if best <= lower + 1e-9 * max(1.0, best) or theta < 1e-4:
            break
        if time.perf_counter() > deadline:
            break
        cover = np.asarray(a[:, top].sum(axis=1)).ravel()
        covered = float(w[cover > 0].sum())
        if covered > best_sites[1]:
            best_sites = ([int(j) for j in top], covered)
            lower = max(lower, covered)
        grad = cover - (w > lam).astype(np.float64)  # dL/dlambda
        norm = float(grad @ grad)
        if norm == 0:
            break
        lam = np.maximum(0.0, lam - theta * (value - lower) / norm * grad)
    return best, best_sites


def _mclp_mip(
    a: sp.csr_matrix, w: npt.NDArray[np.float64], count: int, *, time_limit: float
) -> tuple[list[int], float, float, bool] | None:
    """The MCLP as a MIP through HiGHS: x (sites, binary) then y (demand covered, [0, 1])."""
    n, m = a.shape
    if n == 0:
        return [], 0.0, 0.0, True
    c = np.concatenate([np.zeros(m), -w])
    link = sp.hstack([-a, sp.identity(n)], format="csr")  # y_i - sum_j a_ij x_j <= 0
    choose = sp.csr_matrix(np.concatenate([np.ones(m), np.zeros(n)])[None, :])
    result = milp_within(
        time_limit,
        c=c,
        integrality=np.concatenate([np.ones(m), np.zeros(n)]),
        bounds=Bounds(0, 1),
        constraints=[LinearConstraint(link, -np.inf, 0), LinearConstraint(choose, 0, count)],
    )
    if result is None or result["x"] is None:
        return None
    sites = [int(j) for j in np.flatnonzero(result["x"][:m] > 0.5)]
    covered = np.asarray(a[:, sites].sum(axis=1)).ravel() > 0
    value = float(w[covered].sum())
    dual = result["dual"]
    bound = float(-dual) if dual is not None and np.isfinite(dual) else float(w.sum())
    finished = result["status"] == 0
    return sites, value, max(value, bound if not finished else value), finished


def p_center(
    demand: Points,
    candidates: Points,
    *,
    facilities: int,
    existing: Points | None = None,
    time_limit: float = 10.0,
    exact: bool = True,
) -> Recommendation:
    """Choose ``facilities`` candidates that minimise the largest distance (metres) from any
    demand point to its nearest site (existing sites included)."""
    start = time.perf_counter()
    demand = np.asarray(demand, dtype=np.float64)
    candidates = np.asarray(candidates, dtype=np.float64)
    _check(demand, candidates, facilities)
    base = _nearest_distance(demand, existing)
    baseline = float(base.max()) if len(demand) else 0.0
    sites, radius, lower = _farthest_first(demand, candidates, base, facilities)
    sites, radius = _move_centres(demand, candidates, base, sites, radius, start + 0.4 * time_limit)
    # Restarts from random first points while a third of the budget lasts: every packing bound
    # is a true bound, so the largest one counts; the best sites are kept.
    rng = np.random.default_rng(0)
    while time.perf_counter() < start + 0.3 * time_limit and len(demand) > 1:
        first = int(rng.integers(len(demand)))
        other, reach, bound = _farthest_first(demand, candidates, base, facilities, first=first)
        other, reach = _move_centres(
            demand, candidates, base, other, reach, start + 0.3 * time_limit
        )
        lower = max(lower, bound)
        if reach < radius:
            sites, radius = other, reach
    method, notes = "farthest-first + centre moves", []
    pairs = len(demand) * len(candidates)
    if exact and radius > lower and pairs <= PCENTER_EXACT_MAX_PAIRS:
        found = _pcenter_exact(
            demand, candidates, base, facilities, lower, radius, deadline=start + time_limit - 0.2
        )
        lower = max(lower, found.lower)
        if found.radius < radius:
            sites, radius = found.sites, found.radius
        method = "exact radius search (HiGHS set cover)" if found.finished else method
    elif exact and radius > lower:
        notes.append(f"{pairs} demand-candidate pairs (> {PCENTER_EXACT_MAX_PAIRS}): no MIP")
    lower = min(lower, radius)
    return Recommendation(
        problem="pcenter",
        sites=sorted(int(s) for s in sites),
        objective=radius,
        bound=lower,
        baseline=baseline,
        method=method,
        optimal=radius <= lower + 1e-6,
        seconds=time.perf_counter() - start,
        notes=notes,
    )


def _nearest_distance(points: Points, sites: Points | None) -> npt.NDArray[np.float64]:
    if sites is None or len(sites) == 0:
        return np.full(len(points), np.inf)
    distance, _ = cKDTree(np.asarray(sites, dtype=np.float64)).query(points, k=1)
    return np.asarray(distance, dtype=np.float64)


def _farthest_first(
    demand: Points,
    candidates: Points,
    base: npt.NDArray[np.float64],
    count: int,
    *,
    first: int | None = None,
) -> tuple[list[int], float, float]:
    """Gonzalez's farthest-first with the candidate nearest each farthest point; returns the
    sites, the worst distance and a proven lower bound on the best worst distance."""
    tree = cKDTree(candidates)
    dist = base.copy()
    picked: list[int] = []
    sites: list[int] = []
    for step in range(min(count, len(candidates))):
        i = first if step == 0 and first is not None else int(np.argmax(dist))
        if not np.isfinite(dist[i]) and sites:
            break
        _, j = tree.query(demand[i], k=1)
        picked.append(i)
        sites.append(int(j))
        dist = np.minimum(dist, np.hypot(*(demand - candidates[int(j)]).T))
    radius = float(dist.max())
    picked.append(int(np.argmax(dist)))
    return sites, radius, _packing_bound(demand[picked], base[picked], count)


def _packing_bound(points: Points, base: npt.NDArray[np.float64], count: int) -> float:
    """With more than ``count`` points, any solution serves one of them from an existing site
    (distance >= its base distance) or two from one new site (>= half their distance)."""
    if len(points) <= count:
        return 0.0
    gaps = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(gaps, np.inf)
    return float(min(base.min(), gaps.min() / 2.0))


def _assign(
    demand: Points, candidates: Points, base: npt.NDArray[np.float64], sites: list[int]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Distance from each demand point to its nearest site, and which new site (-1: existing)."""
    distance, which = cKDTree(candidates[sites]).query(demand, k=1)
    which = np.where(distance < base, which, -1)
    return np.minimum(distance, base), which


def _move_centres(
    demand: Points,
    candidates: Points,
    base: npt.NDArray[np.float64],
    sites: list[int],
    radius: float,
    deadline: float,
) -> tuple[list[int], float]:
    """Move each new site towards the middle of the points it serves while the worst distance
    falls (a few rounds, until the deadline)."""
    tree = cKDTree(candidates)
    for _ in range(20):
        if not sites or time.perf_counter() > deadline:
            break
        _, which = _assign(demand, candidates, base, sites)
        moved = list(sites)
        for k in range(len(sites)):
            served = demand[which == k]
            if len(served) == 0:
                continue
            middle = (served.min(axis=0) + served.max(axis=0)) / 2.0
            moved[k] = int(tree.query(middle, k=1)[1])
        distance, _ = _assign(demand, candidates, base, moved)
        if distance.max() >= radius - 1e-9:
            break
        sites, radius = moved, float(distance.max())
    return sites, radius


@dataclass
class _Exact:
    sites: list[int]
    radius: float
    lower: float
    finished: bool


def _pcenter_exact(
    demand: Points,
    candidates: Points,
    base: npt.NDArray[np.float64],
    count: int,
    lower: float,
    upper: float,
    *,
    deadline: float,
) -> _Exact:
    """Binary search over the distinct demand-candidate distances in [lower, upper]: a radius
    is feasible when a set cover of the points not served by existing sites needs <= count."""
    distances = np.hypot(*(demand[:, None, :] - candidates[None, :, :]).transpose(2, 0, 1))
    radii = np.unique(distances[(distances >= lower - 1e-9) & (distances <= upper + 1e-9)])
    best = _Exact([], upper, lower, False)
    lo, hi = 0, len(radii) - 1
    while lo <= hi:
        left = deadline - time.perf_counter()
        if left <= 0.05:
            return best
        mid = (lo + hi) // 2
        cover = _set_cover(distances <= radii[mid], base > radii[mid], count, time_limit=left)
        if cover is None:  # the MIP stopped at the limit: no proof either way
            return best
        if len(cover) <= count:
            chosen = cover
            reached = float(_assign(demand, candidates, base, chosen)[0].max()) if chosen else 0.0
            best.sites, best.radius = chosen, min(float(radii[mid]), reached)
            hi = mid - 1
        else:
            best.lower = float(radii[mid + 1]) if mid + 1 < len(radii) else best.radius
            lo = mid + 1
    best.finished = True
    best.lower = best.radius
    return best


def _set_cover(
    reach: npt.NDArray[np.bool_], needed: npt.NDArray[np.bool_], count: int, *, time_limit: float
) -> list[int] | None:
    """Fewest candidates covering every needed demand row (None when HiGHS hits the limit;
    a list longer than ``count`` when even the optimum needs more)."""
    rows = reach[needed]
    if rows.shape[0] == 0:
        return []
    if not rows.any(axis=1).all():
        return list(range(count + 1))
    m = reach.shape[1]
    result = milp_within(
        time_limit,
        c=np.ones(m),
        integrality=np.ones(m),
        bounds=Bounds(0, 1),
        constraints=[LinearConstraint(sp.csr_matrix(rows.astype(np.float64)), 1, np.inf)],
    )
    if result is None or result["status"] != 0 or result["x"] is None:
        return None
    return [int(j) for j in np.flatnonzero(result["x"] > 0.5)]


def milp_within(seconds: float, **problem: Any) -> dict[str, Any] | None:
    """``scipy.optimize.milp`` (HiGHS) that returns within ``seconds`` whatever happens.

    HiGHS's own time limit is not checked everywhere (a large presolve or root LP can run for
    minutes past it), so the solve runs in a forked process that is killed at the deadline.
    Returns x, status and the dual bound, or None when it had to be killed.
    """
    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - not Linux
        return _milp(problem, seconds)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_milp_child, args=(sender, problem, seconds), daemon=True)
    process.start()
    sender.close()
    try:
        return receiver.recv() if receiver.poll(max(0.05, seconds)) else None
    except EOFError:
        return None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()


def _milp(problem: dict[str, Any], seconds: float) -> dict[str, Any]:
    limit = max(0.05, seconds - 0.2)  # leave time to send the answer back
    result = milp(**problem, options={"time_limit": limit, "disp": False})
    return {
        "x": result.x,
        "status": result.status,
        "dual": getattr(result, "mip_dual_bound", None),
    }


def _milp_child(sender: Any, problem: dict[str, Any], seconds: float) -> None:
    sender.send(_milp(problem, seconds))
    sender.close()
