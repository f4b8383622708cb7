package dev.pgoutbox;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The module's layering.
 *
 * <p>
 * The rules are checked from {@code @ArchTest} methods rather than {@code @ArchTest}
 * fields: Maven Surefire 3.5.3, which the build uses, silently runs no {@code @ArchTest}
 * field (SUREFIRE-2298, TNG/ArchUnit#1442; fixed in 3.5.4), so field rules would pass
 * without being checked.
 */
@AnalyzeClasses(packages = "dev.pgoutbox", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTests {

	static final ArchRule ENGINE_AND_API_DO_NOT_DEPEND_ON_SPRING = noClasses().that()
		.resideInAnyPackage("dev.pgoutbox", "dev.pgoutbox.pgoutput..", "dev.pgoutbox.replication..",
				"dev.pgoutbox.delivery..", "dev.pgoutbox.schema..", "dev.pgoutbox.deadletter..",
				"dev.pgoutbox.cluster..", "dev.pgoutbox.relay..")
		.should()
		.dependOnClassesThat()
		.resideInAPackage("org.springframework..")
		.because("only dev.pgoutbox.autoconfigure may know Spring; the engine runs without it");

	static final ArchRule CORE_DOES_NOT_DEPEND_ON_JACKSON = noClasses().that()
		.resideInAPackage("dev.pgoutbox..")
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("com.fasterxml.jackson..", "tools.jackson..")
		.because("the engine must not force a Jackson version on an application; JSON goes through JsonCodec");

	static final ArchRule API_DEPENDS_ON_NO_OTHER_OUTBOX_PACKAGE = noClasses().that()
		.resideInAPackage("dev.pgoutbox")
		.should()
		.dependOnClassesThat()
		.resideInAPackage("dev.pgoutbox.*..")
		.because("the public API must not expose the engine's internals");

	static final ArchRule PACKAGES_ARE_FREE_OF_CYCLES = slices().matching("dev.pgoutbox.(*)..")
		.should()
		.beFreeOfCycles();

	static final ArchRule DECODER_DEPENDS_ON_NOTHING_ABOVE_IT = noClasses().that()
		.resideInAPackage("dev.pgoutbox.pgoutput..")
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("dev.pgoutbox.replication..", "dev.pgoutbox.delivery..", "dev.pgoutbox.autoconfigure..")
		.because("the pgoutput decoder is a leaf that only turns bytes into messages");

	static final ArchRule DELIVERY_KNOWS_ONLY_THE_API = noClasses().that()
		.resideInAPackage("dev.pgoutbox.delivery..")
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("dev.pgoutbox.replication..", "dev.pgoutbox.pgoutput..", "dev.pgoutbox.schema..",
				"dev.pgoutbox.deadletter..", "dev.pgoutbox.cluster..", "dev.pgoutbox.relay..")
		.because("the dispatcher hands messages to the publisher and tells each envelope's completion; slots, "
				+ "tables and the acknowledgement of positions belong to the packages above it");

	static final ArchRule RELAY_SPI_DEPENDS_ON_NOTHING_BUT_THE_API = noClasses().that()
		.resideInAPackage("dev.pgoutbox.relay..")
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("dev.pgoutbox.replication..", "dev.pgoutbox.pgoutput..", "dev.pgoutbox.delivery..",
				"dev.pgoutbox.schema..", "dev.pgoutbox.deadletter..", "dev.pgoutbox.cluster..")
		.because("the glue drives relays through this interface whatever engine is behind them");

	static final ArchRule CLUSTER_SEES_RELAYS_ONLY_THROUGH_THE_SPI = noClasses().that()
		.resideInAPackage("dev.pgoutbox.cluster..")
		.should()
		.dependOnClassesThat()
		.resideInAnyPackage("dev.pgoutbox.replication..", "dev.pgoutbox.delivery..", "dev.pgoutbox.pgoutput..")
		.because("the coordinator starts and stops relays it is given, not the replication engine itself");

	@ArchTest
	void engineAndApiDoNotDependOnSpring(JavaClasses classes) {
		ENGINE_AND_API_DO_NOT_DEPEND_ON_SPRING.check(classes);
	}

	@ArchTest
	void coreDoesNotDependOnJackson(JavaClasses classes) {
		CORE_DOES_NOT_DEPEND_ON_JACKSON.check(classes);
	}

	@ArchTest
	void apiDependsOnNoOtherOutboxPackage(JavaClasses classes) {
		API_DEPENDS_ON_NO_OTHER_OUTBOX_PACKAGE.check(classes);
	}

	@ArchTest
	void packagesAreFreeOfCycles(JavaClasses classes) {
		PACKAGES_ARE_FREE_OF_CYCLES.check(classes);
	}

	@ArchTest
	void decoderDependsOnNothingAboveIt(JavaClasses classes) {
		DECODER_DEPENDS_ON_NOTHING_ABOVE_IT.check(classes);
	}

	@ArchTest
	void deliveryKnowsOnlyTheApi(JavaClasses classes) {
		DELIVERY_KNOWS_ONLY_THE_API.check(classes);
	}

	@ArchTest
	void relaySpiDependsOnNothingButTheApi(JavaClasses classes) {
		RELAY_SPI_DEPENDS_ON_NOTHING_BUT_THE_API.check(classes);
	}

	@ArchTest
	void clusterSeesRelaysOnlyThroughTheSpi(JavaClasses classes) {
		CLUSTER_SEES_RELAYS_ONLY_THROUGH_THE_SPI.check(classes);
	}

}
