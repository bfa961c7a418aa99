/** The routes a markdown table cell names, written in full in backticks: `` `POST /deposit` ``. */
export function routeKeysIn(cell: string): string[] {
  return [...cell.matchAll(/`((?:GET|POST|PUT|PATCH|DELETE) \/[^`\s]*)`/g)].map((match) => match[1] ?? '');
}
