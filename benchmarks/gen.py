"""Generate realistic Reml source of a given size (for benchmarks)."""

from __future__ import annotations

import random

TEMPLATES = [
    """/// Sum of {n} weighted values.
pub fn total_{n}(xs: Array<Int>, weight: Int = 2) -> Int !{{io}} where T: Display {{
  var acc: Int = 0
  for x in xs {{
    acc := acc + x * weight - {n} % 7
  }}
  if acc > {n} then acc else 0 - acc
}}
""",
    """type Shape_{n} =
  | Circle({{ r: Float }})
  | Rect(Float, Float)
  | Empty
""",
    """fn describe_{n}(value: Option<Int>) -> Str {{
  match value with
  | Some(x) when x > {n} -> "big=" + x.to_string()
  | Some(0) | None -> "none"
  | Some(x) as whole -> format("%d", [x])
}}
""",
    """let table_{n} = [{{ key: "k{n}", value: {n} }}, {{ key = "z", value = 0x{n:X} }}]
""",
    """fn pipeline_{n}(xs) =
  xs
    |> map(|v| v + {n})
    |> filter(|v| v % 2 == 0 && v != 3)
    |> fold(0, |acc, v| acc + v)
""",
    """impl Show<Point{n}> for Point{n} {{
  fn show(self) -> Str = format("(%d,%d)", [self.x, self.y])
  fn area(self) -> Int {{
    let (w, h) = (self.x, self.y)
    w * h
  }}
}}
""",
]


def generate(lines: int, seed: int = 1) -> str:
    rnd = random.Random(seed)
    out = ["module bench.generated\n\nuse Core.Prelude\nuse Core.Parse.{Lex, Op as Operator}\n\n"]
    count = 4
    n = 0
    while count < lines:
        block = rnd.choice(TEMPLATES).format(n=n)
        out.append(block + "\n")
        count += block.count("\n") + 1
        n += 1
    return "".join(out)
