package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rules that keep {@code internal} internal, checked on the compiled main classes of the
 * library modules (core, infra, temporal, testkit):
 *
 * <ol>
 *   <li>a module never uses another module's {@code internal} packages (its own are its business);
 *   <li>no public API signature (a public or protected member of a public type outside {@code
 *       internal}, its supertypes, parameters, results, thrown exceptions and their type arguments)
 *       names an {@code internal} type.
 * </ol>
 *
 * <p>{@link #KNOWN} listed the violations that existed when the rules were introduced; each was
 * replaced by a supported seam (the public {@code TreeDeleter}, {@code SandboxProbe}, {@code
 * PortProbe.ReleaseInterceptor}, {@code OpenCodeAgent.dropEventStreams} and {@code
 * CellInterceptor}), and it is empty now. The test fails on a new violation and also on a listed
 * one that is gone, so the list only shrinks and never hides anything.
 */
class ArchitectureTest {

  private static final Pattern MODULE =
      Pattern.compile("io\\.openswarm\\.(core|infra|temporal|testkit)(\\..*)?");

  /** Violations tolerated for now: none. Fix a new one with a supported seam; do not list it. */
  private static final Set<String> KNOWN = Set.of();

  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(
                "io.openswarm.core",
                "io.openswarm.infra",
                "io.openswarm.temporal",
                "io.openswarm.testkit");
  }

  @Test
  void theImportSeesEveryLibraryModule() {
    // A rule over an empty import passes vacuously: make sure each module's classes are there.
    Set<String> modules = new TreeSet<>();
    classes.forEach(type -> module(type.getPackageName()).ifPresent(modules::add));
    assertThat(modules).containsExactly("core", "infra", "temporal", "testkit");
    assertThat(classes.size()).isGreaterThan(300);
  }

  @Test
  void noModuleUsesAnotherModulesInternalPackages() {
    Set<String> found = new TreeSet<>();
    for (JavaClass type : classes) {
      Optional<String> own = module(type.getPackageName());
      if (own.isEmpty()) {
        continue;
      }
      type.getDirectDependenciesFromSelf()
          .forEach(
              dependency -> {
                JavaClass target = dependency.getTargetClass();
                Optional<String> targetModule = module(target.getPackageName());
                if (targetModule.isPresent() && !targetModule.equals(own) && isInternal(target)) {
                  found.add(
                      "uses internal: "
                          + topLevel(type).getName()
                          + " -> "
                          + topLevel(target).getName());
                }
              });
    }
    assertOnlyKnown(found, "uses internal");
  }

  @Test
  void noPublicSignatureNamesAnInternalType() {
    Set<String> found = new TreeSet<>();
    for (JavaClass type : classes) {
      if (!isApi(type)) {
        continue;
      }
      Stream.concat(type.getRawSuperclass().stream(), type.getRawInterfaces().stream())
          .filter(ArchitectureTest::isInternal)
          .forEach(
              internal ->
                  found.add(
                      "exposes internal: " + type.getName() + " extends " + internal.getName()));
      for (JavaMember member : type.getMembers()) {
        if (!isVisible(member)) {
          continue;
        }
        Stream<JavaType> types = Stream.empty();
        if (member instanceof JavaCodeUnit code) {
          types =
              Stream.concat(
                  Stream.of(code.getReturnType()),
                  Stream.concat(
                      code.getParameterTypes().stream(), code.getExceptionTypes().stream()));
        } else if (member instanceof JavaField field) {
          types = Stream.of(field.getType());
        }
        types
            .flatMap(javaType -> javaType.getAllInvolvedRawTypes().stream())
            .filter(ArchitectureTest::isInternal)
            .forEach(
                internal ->
                    found.add(
                        "exposes internal: "
                            + type.getName()
                            + "."
                            + member.getName()
                            + " -> "
                            + internal.getName()));
      }
    }
    assertOnlyKnown(found, "exposes internal");
  }

  private static void assertOnlyKnown(Set<String> found, String rule) {
    Set<String> unexpected = new TreeSet<>(found);
    unexpected.removeAll(KNOWN);
    Set<String> gone = new TreeSet<>();
    KNOWN.stream()
        .filter(known -> known.startsWith(rule) && !found.contains(known))
        .forEach(gone::add);
    assertThat(unexpected).as("new violations of the rule (fix them; do not list them)").isEmpty();
    assertThat(gone).as("listed violations that are fixed now: remove them from KNOWN").isEmpty();
  }

  private static boolean isApi(JavaClass type) {
    if (isInternal(type) || module(type.getPackageName()).isEmpty()) {
      return false;
    }
    for (JavaClass current = type;
        current != null;
        current = current.getEnclosingClass().orElse(null)) {
      if (!current.getModifiers().contains(JavaModifier.PUBLIC)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isVisible(JavaMember member) {
    Set<JavaModifier> modifiers = member.getModifiers();
    if (modifiers.contains(JavaModifier.SYNTHETIC) || modifiers.contains(JavaModifier.BRIDGE)) {
      return false;
    }
    return modifiers.contains(JavaModifier.PUBLIC)
        || (modifiers.contains(JavaModifier.PROTECTED)
            && !member.getOwner().getModifiers().contains(JavaModifier.FINAL));
  }

  private static boolean isInternal(JavaClass type) {
    String name = type.getPackageName();
    return module(name).isPresent() && (name.endsWith(".internal") || name.contains(".internal."));
  }

  private static JavaClass topLevel(JavaClass type) {
    JavaClass current = type;
    while (current.getEnclosingClass().isPresent()) {
      current = current.getEnclosingClass().get();
    }
    return current;
  }

  private static Optional<String> module(String packageName) {
    Matcher matcher = MODULE.matcher(packageName);
    return matcher.matches() ? Optional.of(matcher.group(1)) : Optional.empty();
  }
}
