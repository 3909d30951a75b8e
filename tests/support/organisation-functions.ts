import { readdirSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/** An exported function of a domain module that is told which organisation it works in. */
export interface OrganisationFunction {
  /** "area/file.server#name", e.g. "audit/audit-log-views.server#auditLog". */
  key: string;
  /** The parameters that carry the organisation, as "name: Type". */
  carriers: string[];
}

const ROOT = path.resolve(import.meta.dirname, "../..");
const MODULES = path.join(ROOT, "app/modules");

// Context types that say "this caller, in this organisation" without an organizationId field
// of their own (MemberContext carries `organization.id`).
const CONTEXT_TYPES = new Set(["MemberContext", "GapScope", "Assessor", "Viewer"]);

function moduleFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return moduleFiles(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

/**
 * Every exported function (or exported const holding one) of app/modules/**, whose parameters
 * carry an organisation: a parameter named organizationId, or one whose type is a caller
 * context (MemberContext, GapScope, Assessor, Viewer) or has an organizationId property — at
 * the top or one object level down (`{ viewer: MemberContext }`). Decided by the type checker,
 * so an organisation passed through an imported or aliased type is found too.
 */
export function discoverOrganisationFunctions(): OrganisationFunction[] {
  const config = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const files = moduleFiles(MODULES);
  const program = ts.createProgram(files, { ...options, noEmit: true });
  const checker = program.getTypeChecker();

  const namedContext = (type: ts.Type) => {
    const symbol = type.aliasSymbol ?? type.getSymbol();
    return symbol !== undefined && CONTEXT_TYPES.has(symbol.getName());
  };
  const carriesOrganisation = (type: ts.Type, depth: number, at: ts.Node): boolean => {
    const parts = type.isUnion() ? type.types : type.isIntersection() ? type.types : [type];
    return parts.some((part) => {
      if (!(part.flags & ts.TypeFlags.Object)) return false; // strings, numbers, any, …
      if (namedContext(part)) return true;
      if (checker.getPropertyOfType(part, "organizationId")) return true;
      if (depth === 0 || part.getCallSignatures().length > 0) return false;
      return checker
        .getPropertiesOfType(part)
        .some((property) =>
          carriesOrganisation(checker.getTypeOfSymbolAtLocation(property, at), depth - 1, at),
        );
    });
  };

  // The parameters as declared: asking for a function's whole type would infer its return type,
  // i.e. type-check every query body (most of the time this takes).
  const parametersOf = (symbol: ts.Symbol, declaration: ts.Declaration): [string, ts.Type][] => {
    const initializer = ts.isVariableDeclaration(declaration) ? declaration.initializer : undefined;
    const fn = ts.isFunctionDeclaration(declaration)
      ? declaration
      : initializer && (ts.isArrowFunction(initializer) || ts.isFunctionExpression(initializer))
        ? initializer
        : undefined;
    if (fn) return fn.parameters.map((p) => [p.name.getText(), checker.getTypeAtLocation(p)]);
    // Anything else callable (a function made by another): its call signatures.
    return checker
      .getTypeOfSymbolAtLocation(symbol, declaration)
      .getCallSignatures()
      .flatMap((signature) =>
        signature
          .getParameters()
          .map((p): [string, ts.Type] => [
            p.getName(),
            checker.getTypeOfSymbolAtLocation(p, declaration),
          ]),
      );
  };

  const found: OrganisationFunction[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`not in the program: ${file}`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    if (!moduleSymbol) continue; // a file without exports
    const id = path.relative(MODULES, file).replace(/\.ts$/, "");
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declaration = symbol.valueDeclaration;
      if (!declaration) continue; // a type
      const carriers = new Set<string>();
      for (const [name, parameterType] of parametersOf(symbol, declaration)) {
        if (name === "organizationId" || carriesOrganisation(parameterType, 1, declaration)) {
          carriers.add(`${name}: ${checker.typeToString(parameterType)}`);
        }
      }
      if (carriers.size > 0)
        found.push({ key: `${id}#${exported.getName()}`, carriers: [...carriers] });
    }
  }
  return found.sort((a, b) => a.key.localeCompare(b.key));
}
