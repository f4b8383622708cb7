package dev.pgoutbox.sample.web;

import java.util.ArrayList;
import java.util.List;

import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

import dev.pgoutbox.sample.clinic.TreatmentAlreadyFinishedException;
import dev.pgoutbox.sample.clinic.TreatmentNotFoundException;

/**
 * Turns errors into problem details ({@code application/problem+json}): invalid input
 * into 400 with the list of what is wrong, an unknown treatment into 404 and a
 * conflicting change into 409.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

	private static final String ERRORS = "errors";

	@ExceptionHandler
	ProblemDetail handleNotFound(TreatmentNotFoundException ex) {
		return problem(HttpStatus.NOT_FOUND, "Treatment not found", ex.getMessage());
	}

	@ExceptionHandler
	ProblemDetail handleAlreadyFinished(TreatmentAlreadyFinishedException ex) {
		return problem(HttpStatus.CONFLICT, "Treatment already finished", ex.getMessage());
	}

	@ExceptionHandler
	ProblemDetail handleConcurrentChange(OptimisticLockingFailureException ex) {
		return problem(HttpStatus.CONFLICT, "Concurrent change",
				"The treatment was changed by another request at the same time; reload it and try again");
	}

	@Override
	protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		List<InvalidParameter> errors = ex.getBindingResult()
			.getFieldErrors()
			.stream()
			.map((error) -> new InvalidParameter(error.getField(), error.getDefaultMessage()))
			.toList();
		return invalid(ex.getBody(), errors, headers, status, request, ex);
	}

	@Override
	protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		List<InvalidParameter> errors = new ArrayList<>();
		ex.getParameterValidationResults().forEach((result) -> {
			String parameter = result.getMethodParameter().getParameterName();
			result.getResolvableErrors().forEach((error) -> {
				String name = (error instanceof FieldError field) ? field.getField() : parameter;
				errors.add(new InvalidParameter(name, error.getDefaultMessage()));
			});
		});
		return invalid(ex.getBody(), errors, headers, status, request, ex);
	}

	private ResponseEntity<Object> invalid(ProblemDetail body, List<InvalidParameter> errors, HttpHeaders headers,
			HttpStatusCode status, WebRequest request, Exception ex) {
		body.setTitle("Invalid request");
		body.setDetail("The request has " + errors.size() + " invalid value(s); see 'errors'");
		body.setProperty(ERRORS, errors);
		return handleExceptionInternal(ex, body, headers, status, request);
	}

	private static ProblemDetail problem(HttpStatus status, String title, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setTitle(title);
		return problem;
	}

}
