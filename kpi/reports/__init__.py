"""The board pack: written analysis, its content, and the PDF, PowerPoint and Excel files."""
